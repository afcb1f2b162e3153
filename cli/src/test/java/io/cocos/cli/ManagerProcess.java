package io.cocos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cocos.manager.core.testing.ManagerEnvironments;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real manager (manager-grpc's shaded jar) in its own process, configured by environment only,
 * with a fake QEMU. {@link #close} ends it and every process it started.
 */
public final class ManagerProcess implements AutoCloseable {
  /** The daemon's "gRPC server listening at HOST:PORT" line: the port it got (the env says 0). */
  private static final Pattern LISTENING = Pattern.compile("gRPC server listening at \\S*:(\\d+) ");

  private final Process process;
  private final List<String> output = Collections.synchronizedList(new ArrayList<>());
  private volatile int port = -1;

  private ManagerProcess(Process process) {
    this.process = process;
  }

  /** The manager jar: from failsafe's system property, else next to this module. */
  static Path managerJar() {
    String p = System.getProperty("cocos.manager.jar");
    Path jar =
        p != null ? Path.of(p) : Path.of("..", "manager-grpc", "target", "cocos-manager.jar");
    assertThat(jar)
        .as("the manager's shaded jar (build manager-grpc first: mvn -pl manager-grpc package)")
        .isRegularFile();
    return jar.toAbsolutePath().normalize();
  }

  /** The environment of a manager with a fake QEMU, state under dir, TEEs off, on free ports. */
  public static Map<String, String> fakeQemuEnv(Path dir) throws IOException {
    return ManagerEnvironments.fakeQemuEnv(dir);
  }

  /** Starts the manager and waits for "gRPC server listening". */
  public static ManagerProcess start(Map<String, String> env)
      throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-jar",
                managerJar().toString())
            .redirectErrorStream(true);
    Map<String, String> penv = pb.environment();
    penv.keySet().removeIf(k -> k.startsWith("MANAGER_") || k.startsWith("COCOS_"));
    penv.putAll(env);
    Process p = pb.start();
    ManagerProcess m = new ManagerProcess(p);
    CountDownLatch ready = new CountDownLatch(1);
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  m.output.add(line);
                  Matcher listening = LISTENING.matcher(line);
                  if (listening.find()) {
                    m.port = Integer.parseInt(listening.group(1));
                    ready.countDown();
                  }
                }
              } catch (IOException e) {
                // process gone
              }
            },
            "manager-output");
    reader.setDaemon(true);
    reader.start();
    if (!ready.await(30, TimeUnit.SECONDS)) {
      m.close();
      throw new IllegalStateException(
          "the manager did not start; its output:\n" + String.join("\n", m.output));
    }
    return m;
  }

  public int port() {
    return port;
  }

  public String url() {
    return "127.0.0.1:" + port;
  }

  public List<String> output() {
    synchronized (output) {
      return List.copyOf(output);
    }
  }

  /** Ends the manager (SIGTERM, then SIGKILL) and any fake QEMU still alive under it. */
  @Override
  public void close() {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    for (ProcessHandle c : children) {
      if (c.isAlive()) {
        c.destroyForcibly();
      }
    }
  }
}
