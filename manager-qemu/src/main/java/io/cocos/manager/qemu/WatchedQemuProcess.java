package io.cocos.manager.qemu;

import io.cocos.manager.core.vm.VmProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A QEMU as this manager knows it, whether it started it or adopted it after a restart: never as
 * its child. The manager is not QEMU's parent (see {@link QemuHypervisor}), so no JDK thread waits
 * for it, and the exit is watched through QMP and /proc instead.
 *
 * <p>How its exit is seen: through its QMP connection, which QEMU closes as it exits; then /proc
 * confirms it, checked every {@link #CONFIRM_POLL} for up to {@link #CONFIRM_ROUNDS} rounds (QEMU
 * closes the socket a moment before it is gone). Sending a signal starts the same quick rounds.
 * Only a QEMU whose QMP cannot be reached (under sudo, or started by a manager before QMP) — or one
 * that closed QMP and lives on — is polled every {@link #FALLBACK_POLL}; while QMP is open, nothing
 * polls. Why /proc and not ProcessHandle.onExit(): for a process that is not its child, JDK 17
 * polls with a sleep growing up to 5 s and counts a zombie as alive. Gone, a zombie, or a different
 * start time (a reused pid) all mean the QEMU has ended.
 *
 * <p>The exit code: only a parent learns it. QEMU exits 0 after a shutdown it announced with a QMP
 * SHUTDOWN event (guest power-off, QMP quit, SIGTERM — runstate.c's main_loop_should_exit), except
 * after a guest panic, so such an exit reads 0; any other is {@link VmProcess#UNKNOWN_EXIT_CODE}.
 *
 * <p>Concurrency: {@code watchLock} guards the one chain of checks ({@code nextCheck}, {@code
 * quickRoundsLeft}), which run on the hypervisor's shared poller thread.
 */
final class WatchedQemuProcess extends QemuProcess {
  static final Duration CONFIRM_POLL = Duration.ofMillis(20);
  static final int CONFIRM_ROUNDS = 100;
  static final Duration FALLBACK_POLL = Duration.ofSeconds(1);

  /** Empty when the process was gone before we could look at it. */
  private final Optional<ProcessHandle> handle;

  private final long startTicks;
  private final long consoleStart;
  private final ScheduledExecutorService poller;
  private final Object watchLock = new Object();
  private ScheduledFuture<?> nextCheck;
  private int quickRoundsLeft;
  private volatile boolean detached;

  /**
   * @param startTicks from /proc/&lt;pid&gt;/stat, or -1 when the process was already gone
   * @param consoleStart the console log's size before QEMU started: where its start-up output
   *     begins
   */
  WatchedQemuProcess(
      long pid,
      Optional<ProcessHandle> handle,
      Instant startedAt,
      long startTicks,
      long consoleStart,
      ScheduledExecutorService poller,
      GuestMonitor guest,
      Duration powerdownTimeout) {
    super(pid, startedAt, new CompletableFuture<>(), guest, powerdownTimeout);
    this.handle = handle;
    this.startTicks = startTicks;
    this.consoleStart = consoleStart;
    this.poller = poller;
  }

  long consoleStart() {
    return consoleStart;
  }

  /**
   * Starts watching for the exit, once the QMP connection is made or known to be impossible:
   * through QMP's end when there is a connection, by polling when there is none.
   */
  void watchExit() {
    if (guest.client().isPresent()) {
      guest.connectionEnded().thenRun(this::hurry);
    } else {
      synchronized (watchLock) {
        scheduleCheck(Duration.ZERO);
      }
    }
  }

  /** Checks at once, then quickly for a while: the process is expected to end. */
  private void hurry() {
    synchronized (watchLock) {
      quickRoundsLeft = CONFIRM_ROUNDS;
      scheduleCheck(Duration.ZERO);
    }
  }

  /** Caller holds watchLock. */
  private void scheduleCheck(Duration delay) {
    if (nextCheck != null) {
      nextCheck.cancel(false);
    }
    try {
      nextCheck = poller.schedule(this::check, delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      nextCheck = null; // the hypervisor is closing
    }
  }

  /**
   * Completes the exit if the process is gone; otherwise checks again when there is a reason to.
   */
  private void check() {
    if (exitCode.isDone() || detached) {
      return;
    }
    try {
      if (!isAlive()) {
        exitCode.complete(exitCodeAfterExit());
        return;
      }
    } catch (RuntimeException e) {
      exitCode.completeExceptionally(
          e); // fail the watch visibly rather than stop watching silently
      return;
    }
    synchronized (watchLock) {
      if (quickRoundsLeft > 0) {
        quickRoundsLeft--;
        scheduleCheck(CONFIRM_POLL);
      } else if (guest.client().isEmpty()) {
        scheduleCheck(FALLBACK_POLL);
      } else {
        nextCheck = null; // QMP is open: its end starts the next checks
      }
    }
  }

  private int exitCodeAfterExit() {
    return guest
            .announcedShutdownReason()
            .filter(reason -> !reason.equals("guest-panic"))
            .isPresent()
        ? 0
        : UNKNOWN_EXIT_CODE;
  }

  @Override
  public void detach() {
    detached = true;
    super.detach();
  }

  @Override
  void terminate() {
    handle.ifPresent(ProcessHandle::destroy);
    hurry();
  }

  @Override
  void kill() {
    handle.ifPresent(ProcessHandle::destroyForcibly);
    hurry();
  }

  @Override
  public boolean isAlive() {
    return ProcFs.stat(pid())
        .filter(s -> s.startTicks() == startTicks && !s.isZombie())
        .isPresent();
  }
}
