package io.cocos.manager.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.cocos.manager.api.CreateReq;
import io.cocos.manager.api.ListVmsReq;
import io.cocos.manager.api.LogLine;
import io.cocos.manager.api.ManagerServiceGrpc;
import io.cocos.manager.api.RemoveReq;
import io.cocos.manager.api.StreamLogsReq;
import io.cocos.manager.core.testing.ManagerEnvironments;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A guest flooding its console into a state directory on a small tmpfs (mounted here: CI runs as
 * root): the console is rotated at MANAGER_CONSOLE_LOG_MAX_SIZE, so the disk never fills though the
 * guest writes several times its size, and a batched StreamLogs follower keeps getting the flood's
 * numbered lines in order across the rotations, told of any bytes it did not get.
 */
class ConsoleRotationIT {
  static final long TMPFS_BYTES = 64L << 20;
  static final Pattern FLOOD = Pattern.compile("fake-qemu: flood (\\d+) x+");

  @TempDir Path tmp;

  @Test
  void aFloodedConsoleIsRotatedTheDiskNeverFillsAndStreamLogsFollowsAcrossRotations()
      throws Exception {
    Path state = Files.createDirectories(tmp.resolve("state"));
    run("mount", "-t", "tmpfs", "-o", "size=" + TMPFS_BYTES, "tmpfs", state.toString());
    try {
      Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
      env.put("MANAGER_QEMU_KERNEL_CMDLINE", "fake.mode=flood");
      env.put("MANAGER_CONSOLE_LOG_MAX_SIZE", "1M");
      env.put("JAVA_TOOL_OPTIONS", "-Xmx64m -XX:+UseSerialGC");
      try (ManagerProcess manager = ManagerProcess.startServing(env)) {
        String id = manager.client().createVm(CreateReq.getDefaultInstance()).getCvmId();
        long floodPid =
            manager.client().listVms(ListVmsReq.getDefaultInstance()).getCvms(0).getPid();
        try {
          floodAndFollow(manager, state, id);
        } finally {
          // a flooding CVM outlives its manager by design: never leave one behind
          ProcessHandle.of(floodPid).ifPresent(ProcessHandle::destroyForcibly);
        }
      }
    } finally {
      run("umount", "--lazy", state.toString());
    }
  }

  private void floodAndFollow(ManagerProcess manager, Path state, String id) throws Exception {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", manager.grpcPort()).usePlaintext().build();
    Follower follower = new Follower();
    ManagerServiceGrpc.newStub(channel)
        .streamLogs(
            StreamLogsReq.newBuilder().setCvmId(id).setFollow(true).setBatch(true).build(),
            follower);
    FileStore disk = Files.getFileStore(state);
    Path console = state.resolve("cvms").resolve(id).resolve("console.log");
    AtomicLong leastFree = new AtomicLong(Long.MAX_VALUE);
    AtomicLong largestConsole = new AtomicLong();
    // Twice the disk's size goes through the console (~120 bytes a flood line).
    long target = 2 * TMPFS_BYTES / 120;
    try {
      // the disk and the console file are sampled every 20 ms while the flood goes on
      await()
          .atMost(Duration.ofSeconds(120))
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(20))
          .until(
              () -> {
                leastFree.accumulateAndGet(disk.getUsableSpace(), Math::min);
                largestConsole.accumulateAndGet(Files.size(console), Math::max);
                return follower.last.get() >= target || follower.error != null;
              });
    } catch (ConditionTimeoutException e) {
      // not there in time: the figures below say how far the flood got, the assertions fail
    }
    System.out.printf(
        "rotation: flood line %d reached (~%d MiB through an %d MiB tmpfs); least free %d KiB; "
            + "largest console.log %d KiB; follower: %d flood lines, %d bytes reported skipped, %d gaps unreported%n",
        follower.last.get(),
        follower.last.get() * 120 >> 20,
        TMPFS_BYTES >> 20,
        leastFree.get() >> 10,
        largestConsole.get() >> 10,
        follower.lines.get(),
        follower.skipped.get(),
        follower.unreportedGaps.get());

    assertThat(follower.error).isNull();
    assertThat(follower.last.get())
        .as("the flood went on: several times the disk's size was written")
        .isGreaterThanOrEqualTo(target);
    // console.log grows by what the guest writes between two 200 ms polls (12 MiB seen at ~12 MiB/s
    // on a busy machine), its rotated copy as much: far from the disk's size
    assertThat(leastFree.get()).as("the disk never filled").isGreaterThan(TMPFS_BYTES / 8);
    assertThat(state.resolve("cvms").resolve(id).resolve("console.log.1")).exists();
    assertThat(follower.lines.get())
        .as("the follower got lines all along")
        .isGreaterThan(target / 10);
    // A gap without a skip report can only come from the few microseconds of a rotation's
    // truncate (documented); one per rotation at most.
    assertThat(follower.unreportedGaps.get())
        .isLessThanOrEqualTo(follower.last.get() * 120 / (1 << 20));
    assertThat(manager.stdout).noneMatch(l -> l.contains("No space left"));

    manager.client().removeVm(RemoveReq.newBuilder().setCvmId(id).build());
    await().atMost(Duration.ofSeconds(10)).until(() -> follower.completed);
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  /**
   * Checks the flood's numbering: in order, and a jump only where the manager reported skipped
   * bytes.
   */
  static final class Follower implements StreamObserver<LogLine> {
    final AtomicLong last = new AtomicLong();
    final AtomicLong lines = new AtomicLong();
    final AtomicLong skipped = new AtomicLong();
    final AtomicLong unreportedGaps = new AtomicLong();
    volatile Throwable error;
    volatile boolean completed;

    @Override
    public void onNext(LogLine batch) {
      assertThat(batch.getLinesCount()).isPositive();
      skipped.addAndGet(batch.getSkippedBytes());
      boolean reported = batch.getSkippedBytes() > 0;
      for (ByteString line : batch.getLinesList()) {
        Matcher m = FLOOD.matcher(line.toStringUtf8());
        if (!m.matches()) {
          continue; // the fake's first lines, or a line cut in two by a rotation
        }
        long n = Long.parseLong(m.group(1));
        if (n <= last.get() && error == null) {
          error = new AssertionError("flood line " + n + " after " + last.get());
        }
        if (n != last.get() + 1 && last.get() > 0 && !reported) {
          unreportedGaps.incrementAndGet();
        }
        reported = false;
        last.set(n);
        lines.incrementAndGet();
      }
    }

    @Override
    public void onError(Throwable t) {
      error = t;
    }

    @Override
    public void onCompleted() {
      completed = true;
    }
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(String.join(" ", command) + ": " + output).isZero();
  }
}
