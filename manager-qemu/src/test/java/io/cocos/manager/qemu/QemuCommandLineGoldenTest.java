package io.cocos.manager.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.cocos.manager.core.vm.VmLaunchSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Pins the command line of each mode, argument by argument, against src/test/resources/golden. */
class QemuCommandLineGoldenTest {
  private static final String CVM_ID = "f889cada-4fc2-44bb-b6e2-99def75c5df8";
  private static final Path CVM_DIR = Path.of("/var/lib/cocos/cvms", CVM_ID);
  private static final VmLaunchSpec SPEC = new VmLaunchSpec(CVM_ID, 6100, 3, CVM_DIR.resolve("vm"),
      CVM_DIR.resolve("certs"), CVM_DIR.resolve("env"), CVM_DIR.resolve("console.log"));

  static Stream<Arguments> modes() {
    return Stream.of(
        arguments("plain.args", new String[] {"ENABLE_SEV_SNP", "false", "ENABLE_TDX", "false", "SMP_MAXCPUS", "4",
            "OVMF_CODE_FILE", "/usr/share/edk2/x64/OVMF_CODE.4m.fd"}),
        arguments("sev-snp.args", new String[] {"ENABLE_SEV_SNP", "true", "ENABLE_HOST_DATA", "true",
            "HOST_DATA", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}),
        arguments("tdx.args", new String[] {"ENABLE_TDX", "true"}),
        arguments("sev.args", new String[] {"ENABLE_SEV", "true", "SEV_CBITPOS", "47", "USE_SUDO", "true"}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("modes")
  void rendersTheGoldenCommand(String golden, String[] env) throws IOException {
    List<String> expected = golden(golden, SPEC);
    List<String> actual = QemuCommandLine.of(TestEnv.config(env), SPEC).command();
    if (!actual.equals(expected)) {
      fail(golden + ": " + ArgumentDiff.of(expected, actual));
    }
  }

  @Test
  void diffShowsWhatChangedWhere() {
    String diff = ArgumentDiff.of(List.of("-m", "2048M", "-nographic"), List.of("-m", "4G", "-nographic", "-S"));

    assertThat(diff).contains("     - 2048M", "   1 + 4G", "   2   -nographic", "   3 + -S");
  }

  static List<String> golden(String name, VmLaunchSpec spec) throws IOException {
    try (InputStream in = QemuCommandLineGoldenTest.class.getResourceAsStream("/golden/" + name)) {
      assertThat(in).as("golden file %s", name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
          .filter(line -> !line.startsWith("#"))
          .map(line -> line
              .replace("@CVM_ID@", spec.cvmId())
              .replace("@WORK_DIR@", spec.workDir().toString())
              .replace("@CERTS_DIR@", spec.certsDir().toString())
              .replace("@ENV_DIR@", spec.envDir().toString())
              .replace("@HOST_PORT@", Integer.toString(spec.hostPort()))
              .replace("@GUEST_CID@", Integer.toString(spec.guestCid())))
          .toList();
    }
  }
}
