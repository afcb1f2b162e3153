package io.cocos.manager.qemu;

import io.cocos.manager.core.vm.ExitStatus;
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
 * its child. The manager is not QEMU's parent (see {@link QemuLauncher}), so no JDK thread waits
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
 * <p>How it ended: only a parent learns it, and QEMU's is its {@link QemuWrapper}, which leaves the
 * status in the work directory. Once /proc shows QEMU gone, the decision waits, each wait bounded
 * by {@link #DECISION_WAIT}, for the status file (until it is there or the wrapper is gone without
 * leaving one) and for the end of the QMP stream (so that QEMU's last event, SHUTDOWN, has been
 * delivered): the same end reads the same every time, whichever of QMP and /proc told first. A QEMU
 * without a wrapper's status (started by a manager before the wrapper, or its wrapper killed) reads
 * exit code 0 after a shutdown it announced with a QMP SHUTDOWN event (guest power-off, QMP quit,
 * SIGTERM — runstate.c's main_loop_should_exit), except after a guest panic, as QEMU then exits 0;
 * any other end is {@link ExitStatus#UNKNOWN}.
 *
 * <p>Concurrency: {@code watchLock} guards the one chain of checks ({@code nextCheck}, {@code
 * quickRoundsLeft}, {@code decisionDeadline}), which run on the hypervisor's shared poller thread.
 */
final class WatchedQemuProcess extends QemuProcess {
  static final Duration CONFIRM_POLL = Duration.ofMillis(20);
  static final int CONFIRM_ROUNDS = 100;
  static final Duration FALLBACK_POLL = Duration.ofSeconds(1);

  /** How long the decision of how QEMU ended may wait for its status file and QMP's end. */
  static final Duration DECISION_WAIT = Duration.ofSeconds(2);

  /** How often the decision looks again while it waits. */
  static final Duration DECISION_POLL = Duration.ofMillis(2);

  /** Empty when the process was gone before we could look at it. */
  private final Optional<ProcessHandle> handle;

  private final long startTicks;
  private final long consoleStart;
  private final ScheduledExecutorService poller;
  private final Object watchLock = new Object();
  private ScheduledFuture<?> nextCheck;
  private int quickRoundsLeft;
  private long decisionDeadline;
  private boolean deciding;
  private final QemuWrapper wrapper;
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
      Duration powerdownTimeout,
      QemuWrapper wrapper) {
    super(pid, startedAt, new CompletableFuture<>(), guest, powerdownTimeout);
    this.wrapper = wrapper;
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
    if (exit.isDone() || detached) {
      return;
    }
    try {
      if (!isAlive()) {
        decide();
        return;
      }
    } catch (RuntimeException e) {
      exit.completeExceptionally(e); // fail the watch visibly rather than stop watching silently
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

  /**
   * QEMU is gone: completes the exit once the wrapper's status is there (or will not come) and QMP
   * has said its last, or once {@link #DECISION_WAIT} has passed; until then, looks again every
   * {@link #DECISION_POLL}.
   */
  private void decide() {
    Optional<ExitStatus> left = wrapper.status();
    // Read before the wrapper's liveness: a wrapper gone has written what it will write, which
    // the final read below then sees.
    boolean settled = (left.isPresent() || !wrapper.mayStillWrite()) && guest.qmpEnded();
    synchronized (watchLock) {
      long now = System.nanoTime();
      if (!deciding) {
        deciding = true;
        decisionDeadline = now + DECISION_WAIT.toNanos();
      }
      if (!settled && now - decisionDeadline < 0) {
        scheduleCheck(DECISION_POLL);
        return;
      }
    }
    exit.complete(left.or(wrapper::status).orElseGet(this::statusWithoutWrapper));
  }

  /**
   * Without the wrapper's status: 0 after a shutdown QEMU announced (but a panic), else unknown.
   */
  private ExitStatus statusWithoutWrapper() {
    return guest
            .announcedShutdownReason()
            .filter(reason -> !reason.equals("guest-panic"))
            .isPresent()
        ? ExitStatus.exited(0)
        : ExitStatus.UNKNOWN;
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
