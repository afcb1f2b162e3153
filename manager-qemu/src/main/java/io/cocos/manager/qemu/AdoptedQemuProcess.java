package io.cocos.manager.qemu;

import io.cocos.manager.core.vm.VmProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A QEMU an earlier manager started, re-attached after a restart. It is not our child: we cannot
 * wait for it or learn its exit code ({@link VmProcess#UNKNOWN_EXIT_CODE}), and its parent (init,
 * or a subreaper) reaps it — or, like the init of some containers, never does, leaving a zombie.
 *
 * <p>Why poll /proc ourselves: for a process that is not its child, JDK 17's
 * ProcessHandle.onExit() finds waitid() failing with ECHILD and falls back to polling isAlive0 with
 * a sleep that starts at 300 ms and grows by 30 ms per round up to 5 s — a QEMU adopted hours ago
 * would be noticed up to 5 s late. isAlive0 also counts a zombie as alive, so under a non-reaping
 * init onExit() never completes. This class checks /proc/&lt;pid&gt;/stat every {@link #POLL}: gone,
 * a zombie, or a different start time (a reused pid) all mean the QEMU has ended.
 */
final class AdoptedQemuProcess extends QemuProcess {
  static final Duration POLL = Duration.ofMillis(200);

  private final ProcessHandle handle;
  private final long startTicks;

  AdoptedQemuProcess(ProcessHandle handle, Instant startedAt, long startTicks, ScheduledExecutorService poller) {
    super(handle.pid(), startedAt, new CompletableFuture<>());
    this.handle = handle;
    this.startTicks = startTicks;
    ScheduledFuture<?> watch = poller.scheduleWithFixedDelay(() -> {
      try {
        if (!isAlive()) {
          exitCode.complete(UNKNOWN_EXIT_CODE);
        }
      } catch (RuntimeException e) {
        // A scheduled task that throws is silently never run again; fail the watch visibly instead.
        exitCode.completeExceptionally(e);
      }
    }, 0, POLL.toMillis(), TimeUnit.MILLISECONDS);
    exitCode.whenComplete((code, failure) -> watch.cancel(false));
  }

  @Override
  void terminate() {
    handle.destroy();
  }

  @Override
  void kill() {
    handle.destroyForcibly();
  }

  @Override
  public boolean isAlive() {
    return ProcFs.stat(pid()).filter(s -> s.startTicks() == startTicks && !s.isZombie()).isPresent();
  }
}
