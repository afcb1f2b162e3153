package io.cocos.manager.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's launcher (scripts/make-launcher.sh --archive-beside), run against stand-in JDKs
 * whose java prints the command line it was given: which archive option goes with which JDK, and
 * that a JDK whose release file names no version gets neither.
 */
class LauncherTest {
  private static final Path MAKE_LAUNCHER = Path.of("../scripts/make-launcher.sh").toAbsolutePath();

  @TempDir Path tmp;

  private Path launcher() throws Exception {
    Path jar = tmp.resolve("app.jar");
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "example.Main");
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream ignored = new JarOutputStream(out, manifest)) {
      // the manifest is all the launcher reads
    }
    Path launcher = tmp.resolve("cocos-manager");
    run(
        List.of(
            MAKE_LAUNCHER.toString(),
            jar.toString(),
            launcher.toString(),
            "-Xmx64m",
            "--archive-beside"),
        null);
    Files.writeString(tmp.resolve("cocos-manager.aot"), "aot");
    Files.writeString(tmp.resolve("cocos-manager.jsa"), "jsa");
    return launcher;
  }

  /**
   * A JDK directory whose bin/java echoes its arguments; {@code version} goes in its release file.
   */
  private Path jdk(String name, String version) throws IOException {
    Path home = tmp.resolve(name);
    Files.createDirectories(home.resolve("bin"));
    Files.writeString(
        home.resolve("release"), "IMPLEMENTOR=\"test\"\nJAVA_VERSION=\"" + version + "\"\n");
    Path java = home.resolve("bin/java");
    Files.writeString(java, "#!/bin/sh\necho \"$0 $*\"\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    return home;
  }

  private static String run(List<String> command, Path javaHome) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().remove("JAVA_OPTS");
    builder.environment().remove("COCOS_MANAGER_TRAIN");
    builder.environment().remove("COCOS_MANAGER_CDS");
    if (javaHome != null) {
      builder.environment().put("JAVA_HOME", javaHome.toString());
    }
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    return output.strip();
  }

  @Test
  void jdk25AndLaterMapTheAotCacheAndOlderOnesTheAppCdsArchive() throws Exception {
    Path launcher = launcher();
    String on25 = run(List.of(launcher.toString(), "--flag"), jdk("jdk-25", "25.0.3"));
    assertThat(on25)
        .startsWith(tmp.resolve("jdk-25/bin/java").toString())
        .contains("-XX:AOTCache=" + launcher + ".aot", "--sun-misc-unsafe-memory-access=allow")
        .doesNotContain("SharedArchiveFile")
        .endsWith("-cp " + launcher + " example.Main --flag");

    String on17 = run(List.of(launcher.toString()), jdk("jdk-17", "17.0.13"));
    assertThat(on17)
        .contains("-XX:SharedArchiveFile=" + launcher + ".jsa")
        .doesNotContain("AOTCache", "sun-misc-unsafe");
  }

  @Test
  void aJdkWhoseReleaseNamesNoVersionIsTakenForAnOlderOne() throws Exception {
    Path launcher = launcher();
    String output = run(List.of(launcher.toString()), jdk("jdk-odd", "unknown"));
    assertThat(output)
        .startsWith(tmp.resolve("jdk-odd/bin/java").toString())
        .contains("-XX:SharedArchiveFile=")
        .doesNotContain("AOTCache", "Illegal number", "unexpected");
  }
}
