package io.cocos.manager.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.cocos.manager.core.vm.VmLaunchSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Pins the command line of each mode, argument by argument, against src/test/resources/golden.
 *
 * <p>{@code -Dgolden.update=true} rewrites the golden files from what the code renders instead of
 * comparing (libvirt's VIR_TEST_REGENERATE_OUTPUT): review the diff with git before committing. A
 * file's leading comment is kept; a new file gets one listing its environment.
 */
class QemuCommandLineGoldenTest {
  static final boolean UPDATE = Boolean.getBoolean("golden.update");
  private static final Path SOURCE_DIR = Path.of("src/test/resources/golden");
  private static final String CVM_ID = "f889cada-4fc2-44bb-b6e2-99def75c5df8";
  private static final Path CVM_DIR = Path.of("/var/lib/cocos/cvms", CVM_ID);
  private static final VmLaunchSpec SPEC =
      new VmLaunchSpec(
          CVM_ID,
          6100,
          3,
          CVM_DIR.resolve("vm"),
          CVM_DIR.resolve("certs"),
          CVM_DIR.resolve("env"),
          CVM_DIR.resolve("console.log"));
  private static final String HOST_DATA = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

  static Stream<Arguments> modes() {
    return Stream.of(
        // spec/qemu.md's lines show the vsock device seed 000 had; it is opt-in now.
        arguments(
            "plain.args",
            new String[] {
              "ENABLE_SEV_SNP",
              "false",
              "ENABLE_TDX",
              "false",
              "SMP_MAXCPUS",
              "4",
              "OVMF_CODE_FILE",
              "/usr/share/edk2/x64/OVMF_CODE.4m.fd",
              "ENABLE_VSOCK",
              "true"
            }),
        arguments(
            "sev-snp.args",
            new String[] {
              "ENABLE_SEV_SNP",
              "true",
              "ENABLE_HOST_DATA",
              "true",
              "HOST_DATA",
              HOST_DATA,
              "ENABLE_VSOCK",
              "true"
            }),
        arguments("tdx.args", new String[] {"ENABLE_TDX", "true", "ENABLE_VSOCK", "true"}),
        arguments(
            "sev.args",
            new String[] {
              "ENABLE_SEV", "true", "SEV_CBITPOS", "47", "USE_SUDO", "true", "ENABLE_VSOCK", "true"
            }),
        arguments("vsock-off.args", new String[] {}),
        arguments(
            "disk.args",
            new String[] {
              "ENABLE_DISK", "true", "SRC_DISK_FILE", "/var/lib/cocos/img/enc_os.qcow2"
            }),
        arguments("gpu.args", new String[] {"GPU_BDF", "0000:41:00.0"}),
        arguments(
            "disk-sev-snp.args",
            new String[] {
              "ENABLE_SEV_SNP",
              "true",
              "ENABLE_DISK",
              "true",
              "SRC_DISK_FILE",
              "/var/lib/cocos/img/enc_os.qcow2"
            }));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("modes")
  void rendersTheGoldenCommand(String golden, String[] env) throws IOException {
    List<String> actual = QemuCommandLine.of(TestEnv.config(env), SPEC).command();
    if (UPDATE) {
      regenerate(golden, env, actual);
      return;
    }
    List<String> expected = golden(golden, SPEC);
    if (!actual.equals(expected)) {
      fail(
          golden
              + ": "
              + ArgumentDiff.of(expected, actual)
              + "\n(if the change is intended: mvn test -Dgolden.update=true, then review git diff)");
    }
  }

  @Test
  void diffShowsWhatChangedWhere() {
    String diff =
        ArgumentDiff.of(
            List.of("-m", "2048M", "-nographic"), List.of("-m", "4G", "-nographic", "-S"));

    assertThat(diff).contains("     - 2048M", "   1 + 4G", "   2   -nographic", "   3 + -S");
  }

  @Test
  void placeholdersRoundTrip() {
    List<String> rendered =
        QemuCommandLine.of(TestEnv.config("ENABLE_VSOCK", "true", "ENABLE_DISK", "true"), SPEC)
            .command();

    List<String> templated =
        rendered.stream().map(QemuCommandLineGoldenTest::placeholders).toList();

    assertThat(templated)
        .anyMatch(a -> a.contains("@CVM_ID@"))
        .anyMatch(a -> a.contains("@HOST_PORT@"))
        .anyMatch(a -> a.contains("guest-cid=@GUEST_CID@"))
        .anyMatch(a -> a.contains("@WORK_DIR@/disk-@CVM_ID@"))
        .noneMatch(a -> a.contains(CVM_ID));
    assertThat(templated.stream().map(a -> substitute(a, SPEC)).toList()).isEqualTo(rendered);
  }

  static List<String> golden(String name, VmLaunchSpec spec) throws IOException {
    try (InputStream in = QemuCommandLineGoldenTest.class.getResourceAsStream("/golden/" + name)) {
      assertThat(in).as("golden file %s (create it with -Dgolden.update=true)", name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .lines()
          .filter(line -> !line.startsWith("#"))
          .map(line -> substitute(line, spec))
          .toList();
    }
  }

  private static String substitute(String line, VmLaunchSpec spec) {
    return line.replace("@CVM_ID@", spec.cvmId())
        .replace("@WORK_DIR@", spec.workDir().toString())
        .replace("@CERTS_DIR@", spec.certsDir().toString())
        .replace("@ENV_DIR@", spec.envDir().toString())
        .replace("@HOST_PORT@", Integer.toString(spec.hostPort()))
        .replace("@GUEST_CID@", Integer.toString(spec.guestCid()));
  }

  /** The inverse of {@link #substitute} for {@link #SPEC}; numbers only where they are per-CVM. */
  private static String placeholders(String argument) {
    return argument
        .replace(SPEC.workDir().toString(), "@WORK_DIR@")
        .replace(SPEC.certsDir().toString(), "@CERTS_DIR@")
        .replace(SPEC.envDir().toString(), "@ENV_DIR@")
        .replace(CVM_ID, "@CVM_ID@")
        .replace("hostfwd=tcp::" + SPEC.hostPort() + "-", "hostfwd=tcp::@HOST_PORT@-")
        .replace("guest-cid=" + SPEC.guestCid(), "guest-cid=@GUEST_CID@");
  }

  private static void regenerate(String name, String[] env, List<String> actual)
      throws IOException {
    Path file = SOURCE_DIR.resolve(name);
    List<String> lines = new ArrayList<>();
    if (Files.exists(file)) {
      Files.readAllLines(file).stream().takeWhile(line -> line.startsWith("#")).forEach(lines::add);
    } else {
      lines.add("# " + name.replace(".args", "") + ". Environment:");
      StringBuilder vars = new StringBuilder("#  ");
      for (int i = 0; i < env.length; i += 2) {
        vars.append(' ').append(QemuConfig.PREFIX).append(env[i]).append('=').append(env[i + 1]);
      }
      lines.add(vars.length() > 3 ? vars.toString() : "#   (none: the defaults)");
      lines.add(
          "# One argument per line; lines starting with '#' are comments; @NAME@ are the per-CVM values.");
    }
    actual.stream().map(QemuCommandLineGoldenTest::placeholders).forEach(lines::add);
    Files.createDirectories(SOURCE_DIR);
    Files.write(file, lines, StandardCharsets.UTF_8);
  }
}
