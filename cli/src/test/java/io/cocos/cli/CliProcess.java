package io.cocos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the shaded cocos-cli.jar as a real process: exit code, stdout and stderr apart. */
public final class CliProcess {
  private CliProcess() {}

  static Path cliJar() {
    String p = System.getProperty("cocos.cli.jar");
    Path jar = p != null ? Path.of(p) : Path.of("target", "cocos-cli.jar");
    assertThat(jar).as("the shaded cocos-cli.jar (mvn -pl cli package)").isRegularFile();
    return jar.toAbsolutePath();
  }

  /** Runs with exactly env (plus PATH), in dir, under LANG=C to prove output is UTF-8 anyway. */
  public static CliRun.Result run(Map<String, String> env, Path dir, String... args)
      throws IOException, InterruptedException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-jar",
                cliJar().toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    pb.environment().clear();
    pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    pb.environment().put("LANG", "C");
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    CompletableFuture<String> out = read(p.getInputStream());
    CompletableFuture<String> err = read(p.getErrorStream());
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("cocos-cli finished").isTrue();
    return new CliRun.Result(p.exitValue(), out.join(), err.join());
  }

  private static CompletableFuture<String> read(InputStream in) {
    CompletableFuture<String> text = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                text.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
              } catch (IOException e) {
                text.complete("<" + e + ">");
              }
            },
            "cli-output");
    t.setDaemon(true);
    t.start();
    return text;
  }
}
