package io.cocos.manager.qemu;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cocos.manager.core.concurrent.DaemonThreads;
import io.cocos.manager.core.vm.ExitStatus;
import io.cocos.manager.qemu.qmp.QmpClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a QEMU ended is decided the same way whichever of /proc, QMP's last event and the wrapper's
 * status file comes first: here a stand-in QEMU in the JVM (a QMP peer on a real socket, a process
 * that /proc already shows gone, a status file the test writes) replays an announced shutdown a
 * thousand times (sixteen at a time), its three signs in random order.
 */
class ExitDecisionTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String GREETING =
      "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}}, \"capabilities\": []}}";
  private static final String SHUTDOWN =
      "{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": false, \"reason\": \"host-qmp-quit\"},"
          + " \"timestamp\": {\"seconds\": 1, \"microseconds\": 0}}";

  /** Repetitions under way at once: they share the poller and the QMP selector, as CVMs do. */
  private static final int CONCURRENT = 16;

  @TempDir Path dir;
  private final ScheduledExecutorService poller =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("test-exit-poller"));
  private final ExecutorService runners = Executors.newFixedThreadPool(CONCURRENT);
  private final ExecutorService peers = Executors.newFixedThreadPool(CONCURRENT);

  @AfterEach
  void stop() {
    poller.shutdownNow();
    runners.shutdownNow();
    peers.shutdownNow();
  }

  @Test
  void anAnnouncedShutdownReadsExitCode0AndItsReasonATimeInAThousand() throws Exception {
    List<Future<?>> repetitions = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      int n = i;
      repetitions.add(runners.submit(() -> announcedShutdown(n)));
    }
    for (Future<?> repetition : repetitions) {
      repetition.get(30, SECONDS);
    }
  }

  /** One announced shutdown; repetition {@code i} chooses the order of the signs. */
  private Void announcedShutdown(int i) throws Exception {
    Random random = new Random(i);
    long jvm = ProcessHandle.current().pid();
    long jvmTicks = ProcFs.stat(jvm).orElseThrow().startTicks();
    boolean wrapped = i % 2 == 0;
    Path workDir = Files.createDirectories(dir.resolve("vm" + i));
    Path socket = workDir.resolve("qmp.sock");
    CompletableFuture<Void> quit = new CompletableFuture<>();
    Future<?> peer;
    GuestMonitor guest = new GuestMonitor("cvm-" + i);
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      peer = peers.submit(() -> playQemu(server, quit));
      QmpClient client = QmpClient.connect(socket, "cvm-" + i, guest, Duration.ofSeconds(5));
      guest.attach(client, "running");
    }
    // The wrapper "runs" (the JVM stands in for it) until the test writes the status; without
    // one, only QMP can tell.
    QemuWrapper wrapper =
        wrapped
            ? new QemuWrapper(QemuWrapper.statusFileIn(workDir), jvm, jvmTicks)
            : QemuWrapper.none(workDir);
    // A pid whose start ticks no process has: /proc shows it gone from the first look.
    WatchedQemuProcess vm =
        new WatchedQemuProcess(
            jvm, Optional.empty(), Instant.now(), -7, 0, poller, guest, Duration.ZERO, wrapper);
    vm.watchExit();
    CompletableFuture<Optional<String>> reasonAtExit =
        vm.exit().thenApply(status -> guest.announcedShutdownReason());

    Runnable procSeesItGone = vm::kill; // no handle to signal: the /proc checks start
    Runnable qmpSaysShutdown = () -> quit.complete(null);
    Runnable wrapperWrites = () -> writeStatus(workDir, wrapped);
    List<Runnable> signs = new ArrayList<>(List.of(procSeesItGone, qmpSaysShutdown, wrapperWrites));
    Collections.shuffle(signs, random);
    for (Runnable sign : signs) {
      sign.run();
      if (random.nextBoolean()) {
        Thread.yield(); // lets the other threads (selector, poller, peer) go first, or not
      }
    }

    assertThat(vm.exit().get(5, SECONDS)).as("repetition %d", i).isEqualTo(ExitStatus.exited(0));
    assertThat(reasonAtExit.get(5, SECONDS)).as("repetition %d", i).contains("host-qmp-quit");
    peer.get(5, SECONDS);
    return null;
  }

  /** Greets, negotiates, then on {@code quit} sends SHUTDOWN and hangs up, as QEMU does. */
  private static Void playQemu(ServerSocketChannel server, CompletableFuture<Void> quit)
      throws Exception {
    try (SocketChannel conn = server.accept()) {
      OutputStream out = Channels.newOutputStream(conn);
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(Channels.newInputStream(conn), StandardCharsets.UTF_8));
      send(out, GREETING);
      JsonNode capabilities = JSON.readTree(in.readLine());
      send(out, "{\"return\": {}, \"id\": " + capabilities.get("id") + "}");
      quit.get(5, SECONDS);
      send(out, SHUTDOWN);
    }
    return null;
  }

  private static void send(OutputStream out, String line) throws IOException {
    out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static void writeStatus(Path workDir, boolean wrapped) {
    if (!wrapped) {
      return;
    }
    try {
      Path tmp = Files.writeString(workDir.resolve("qemu.status.tmp"), "0\n");
      Files.move(tmp, QemuWrapper.statusFileIn(workDir), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
