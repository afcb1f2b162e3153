package io.cocos.manager.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.cocos.manager.api.CreateReq;
import io.cocos.manager.api.CreateRes;
import io.cocos.manager.api.ListVmsReq;
import io.cocos.manager.api.LogLine;
import io.cocos.manager.api.ManagerServiceGrpc;
import io.cocos.manager.api.RemoveReq;
import io.cocos.manager.api.StreamLogsReq;
import io.cocos.manager.core.testing.ManagerEnvironments;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A console flooded as fast as a process can print, a StreamLogs reader that takes one line every
 * 10 ms, and a manager with a 64 MiB heap: the manager must keep serving with bounded memory, tell
 * the reader what it skipped, and keep its own log from flooding.
 */
class LogFloodIT {
  static final long READ_SECONDS = 8;
  static final long MAX_READ_SECONDS = 60;

  @TempDir Path tmp;

  @Test
  void aSlowReaderOfAFloodingConsoleCostsTheManagerNoMemory() throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    env.put("MANAGER_QEMU_KERNEL_CMDLINE", "fake.mode=flood");
    env.put("MANAGER_CONSOLE_LOG_MAX_SIZE", "1G"); // no rotation here: ConsoleRotationIT has it
    env.put("JAVA_TOOL_OPTIONS", "-Xmx64m -XX:+UseSerialGC");
    try (ManagerProcess manager = ManagerProcess.startServing(env)) {
      CreateRes created = manager.client().createVm(CreateReq.getDefaultInstance());
      long floodPid = manager.client().listVms(ListVmsReq.getDefaultInstance()).getCvms(0).getPid();
      try {
        readSlowly(manager, env, created);
      } finally {
        // a flooding CVM outlives its manager by design: never leave one behind
        ProcessHandle.of(floodPid).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }

  private void readSlowly(ManagerProcess manager, Map<String, String> env, CreateRes created)
      throws Exception {
    // A small receive window: what the server may send ahead lives in the client, not the manager.
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", manager.grpcPort())
            .usePlaintext()
            .flowControlWindow(16 * 1024)
            .build();
    AtomicLong received = new AtomicLong();
    AtomicLong skippedBytes = new AtomicLong();
    AtomicReference<ClientCallStreamObserver<StreamLogsReq>> call = new AtomicReference<>();
    ManagerServiceGrpc.newStub(channel)
        .streamLogs(
            StreamLogsReq.newBuilder().setCvmId(created.getCvmId()).setFollow(true).build(),
            new ClientResponseObserver<StreamLogsReq, LogLine>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<StreamLogsReq> requestStream) {
                requestStream.disableAutoRequestWithInitial(1);
                call.set(requestStream);
              }

              @Override
              public void onNext(LogLine line) {
                received.incrementAndGet();
                skippedBytes.addAndGet(line.getSkippedBytes());
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            });

    long maxRssKib = 0;
    long start = System.nanoTime();
    // READ_SECONDS, or longer on a loaded machine, until the reader has drained what gRPC had
    // buffered before the jump (it reads fewer lines a second then) and met the skip marker.
    while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(READ_SECONDS)
        || skippedBytes.get() == 0
            && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(MAX_READ_SECONDS)) {
      call.get().request(1);
      Thread.sleep(10);
      maxRssKib = Math.max(maxRssKib, rssKib(manager.process.pid()));
    }
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) + 1;
    long written =
        Files.size(tmp.resolve("state/cvms").resolve(created.getCvmId()).resolve("console.log"));
    long consoleLogLines =
        manager.jsonLines().stream()
            .filter(
                j ->
                    j.path("logger").asText().endsWith("console")
                        && j.path("level").asText().equals("INFO"))
            .count();
    System.out.printf(
        "flood: %d MiB written in %d s; slow reader got %d lines and was told of %d MiB skipped;"
            + " manager RSS peak %d MiB (heap capped at 64 MiB); %d console lines in the manager's log%n",
        written >> 20,
        seconds,
        received.get(),
        skippedBytes.get() >> 20,
        maxRssKib >> 10,
        consoleLogLines);

    assertThat(manager.process.isAlive()).isTrue();
    assertThat(written).as("the fake floods").isGreaterThan(8L << 20);
    assertThat(received.get()).isBetween(100L, 1000L);
    assertThat(skippedBytes.get()).as("the reader is told what it missed").isPositive();
    assertThat(consoleLogLines)
        .as("console lines copied into the manager's own log are rate-limited")
        .isLessThanOrEqualTo(200 * (seconds + 3));
    // the manager still answers promptly
    manager.client().removeVm(RemoveReq.newBuilder().setCvmId(created.getCvmId()).build());
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  static long rssKib(long pid) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    return 0;
  }
}
