package io.cocos.manager.qemu;

import io.cocos.manager.core.vm.VmProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A QEMU an earlier manager started, re-attached after a restart. It is not our child: we cannot
 * wait for it or learn its exit code ({@link VmProcess#UNKNOWN_EXIT_CODE}), and its parent (init,
 * or a subreaper) reaps it — or, like the init of some containers, never does, leaving a zombie.
 *
 * <p>How its exit is seen: through its QMP connection, which QEMU closes as it exits; then /proc
 * confirms it, checked every {@link #CONFIRM_POLL} for up to {@link #CONFIRM_ROUNDS} rounds (QEMU
 * closes the socket a moment before it is gone). Only a QEMU whose QMP cannot be reached (started
 * by a manager before QMP, or under sudo) — or one that closed QMP and lives on — is polled every
 * {@link #FALLBACK_POLL}. Why /proc and not ProcessHandle.onExit(): for a process that is not its
 * child, JDK 17 polls with a sleep growing up to 5 s and counts a zombie as alive. Gone, a zombie,
 * or a different start time (a reused pid) all mean the QEMU has ended.
 */
final class AdoptedQemuProcess extends QemuProcess {
  static final Duration CONFIRM_POLL = Duration.ofMillis(20);
  static final int CONFIRM_ROUNDS = 100;
  static final Duration FALLBACK_POLL = Duration.ofSeconds(1);

  private final ProcessHandle handle;
  private final long startTicks;
  private final ScheduledExecutorService poller;
  private volatile boolean detached;

  AdoptedQemuProcess(ProcessHandle handle, Instant startedAt, long startTicks, ScheduledExecutorService poller,
      GuestMonitor guest, Duration powerdownTimeout) {
    super(handle.pid(), startedAt, new java.util.concurrent.CompletableFuture<>(), guest, powerdownTimeout);
    this.handle = handle;
    this.startTicks = startTicks;
    this.poller = poller;
    if (guest.client().isPresent()) {
      guest.connectionEnded().thenRun(() -> poller.execute(() -> check(CONFIRM_ROUNDS)));
    } else {
      poller.execute(() -> check(0));
    }
  }

  /** Completes the exit if the process is gone; otherwise checks again, quickly while rounds are left. */
  private void check(int quickRoundsLeft) {
    if (exitCode.isDone() || detached) {
      return;
    }
    try {
      if (!isAlive()) {
        exitCode.complete(UNKNOWN_EXIT_CODE);
        return;
      }
    } catch (RuntimeException e) {
      exitCode.completeExceptionally(e); // fail the watch visibly rather than stop watching silently
      return;
    }
    Duration next = quickRoundsLeft > 0 ? CONFIRM_POLL : FALLBACK_POLL;
    poller.schedule(() -> check(quickRoundsLeft - 1), next.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void detach() {
    detached = true;
    super.detach();
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
