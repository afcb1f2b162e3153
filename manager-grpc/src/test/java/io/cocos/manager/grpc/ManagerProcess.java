package io.cocos.manager.grpc;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cocos.manager.api.ManagerServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.awaitility.core.ConditionTimeoutException;

/** The real manager (the shaded jar) as a separate process, with its stdout collected. */
public final class ManagerProcess implements AutoCloseable {
  static final Path JAR = Path.of("target/cocos-manager.jar");
  private static final ObjectMapper JSON = new ObjectMapper();

  public final Process process;
  final List<String> stdout = new CopyOnWriteArrayList<>();
  final List<String> stderr = new CopyOnWriteArrayList<>();
  private ManagedChannel channel;

  /** Known once startServing has seen the listening line. */
  private int grpcPort = -1;

  private ManagerProcess(Process process) {
    this.process = process;
    collect(process.getInputStream(), stdout);
    collect(process.getErrorStream(), stderr);
  }

  static ManagerProcess start(Map<String, String> env) throws IOException {
    return start(env, List.of());
  }

  /** With JVM options, such as the crash-point test hook's system properties. */
  static ManagerProcess start(Map<String, String> env, List<String> jvmOptions) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>(List.of(java));
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", JAR.toString()));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().clear();
    pb.environment().put("PATH", System.getenv("PATH"));
    pb.environment().putAll(env);
    return new ManagerProcess(pb.start());
  }

  /** Starts a manager and waits until it serves. */
  public static ManagerProcess startServing(Map<String, String> env) throws Exception {
    return startServing(env, List.of());
  }

  public static ManagerProcess startServing(Map<String, String> env, List<String> jvmOptions)
      throws Exception {
    ManagerProcess m = start(env, jvmOptions);
    m.grpcPort = m.portFromLog("manager service gRPC server listening at ", " ");
    return m;
  }

  /**
   * The port the gRPC API serves on, as its "listening at HOST:PORT" line says (the env says 0).
   */
  public int grpcPort() {
    return grpcPort;
  }

  /** The port of the HTTP endpoint (/metrics, /health), from its log line. */
  public int httpPort() throws Exception {
    return portFromLog("metrics and health at http://", "/");
  }

  private int portFromLog(String prefix, String end) throws Exception {
    String msg =
        awaitLog(j -> j.path("msg").asText().startsWith(prefix), Duration.ofSeconds(30))
            .path("msg")
            .asText();
    String address = msg.substring(prefix.length());
    address = address.substring(0, address.indexOf(end));
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }

  public ManagerServiceGrpc.ManagerServiceBlockingStub client() {
    if (channel == null) {
      channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
    }
    return ManagerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  /** Every stdout line parsed as JSON; fails if one is not. */
  public List<JsonNode> jsonLines() {
    return stdout.stream()
        .map(
            line -> {
              try {
                return JSON.readTree(line);
              } catch (IOException e) {
                throw new AssertionError("not a JSON log line: " + line, e);
              }
            })
        .toList();
  }

  public JsonNode awaitLog(Predicate<JsonNode> wanted, Duration timeout) {
    try {
      return await()
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(100))
          .until(() -> firstLogLine(wanted), Optional::isPresent)
          .orElseThrow();
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("no such log line within " + timeout + "; stdout: " + stdout, e);
    }
  }

  /** The first line {@code wanted}; fails at once if the manager has exited without it. */
  private Optional<JsonNode> firstLogLine(Predicate<JsonNode> wanted) {
    Optional<JsonNode> line = jsonLines().stream().filter(wanted).findFirst();
    if (line.isEmpty() && !process.isAlive()) {
      throw new AssertionError(
          "manager exited with "
              + process.exitValue()
              + "; stderr: "
              + stderr
              + "; stdout: "
              + stdout);
    }
    return line;
  }

  /** A line a process that has exited printed: its output may still be in flight to the reader. */
  void awaitLogOfEndedProcess(Predicate<JsonNode> wanted) {
    try {
      await()
          .atMost(Duration.ofSeconds(5))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> jsonLines().stream().anyMatch(wanted));
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("no such log line; stderr: " + stderr + "; stdout: " + stdout, e);
    }
  }

  /** kill -9: the manager gets no chance to clean up. */
  void kill() throws InterruptedException {
    closeChannel();
    process.toHandle().destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** SIGTERM, as systemd stops it; returns the exit code. */
  int terminate() throws InterruptedException {
    closeChannel();
    // Through the handle: Process.destroy() would also close our end of its stdout, losing what
    // the manager prints while it shuts down.
    process.toHandle().destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      throw new AssertionError("manager did not stop on SIGTERM");
    }
    return process.exitValue();
  }

  private void closeChannel() {
    if (channel != null) {
      channel.shutdownNow();
      channel = null;
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }

  private static void collect(InputStream in, List<String> into) {
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  into.add(line);
                }
              } catch (IOException e) {
                // the process ended
              }
            },
            "manager-output");
    t.setDaemon(true);
    t.start();
  }
}
