package io.cocos.manager.qemu;

import io.cocos.manager.core.config.GoDuration;
import io.cocos.manager.core.vm.VmProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A QEMU process as the domain sees it; the two kinds differ only in how they learn of the exit and
 * how they signal.
 *
 * <p>Concurrency: the only mutable state is {@link #exitCode}, completed exactly once by whoever
 * observes the exit (the JDK's reaper for a child, the poller for an adopted process);
 * CompletableFuture makes that safe. {@link #stop} takes no lock: concurrent calls each send SIGTERM
 * and, after their grace, SIGKILL — both harmless twice — and all return the same exit code. Sending
 * a signal to a pid that has meanwhile been reaped and reused is prevented by the JDK, which checks
 * under its own lock that a child has not been reaped (ProcessImpl.destroy) and, for any handle, that
 * the pid still has the start time it had (ProcessHandleImpl.destroy0).
 */
abstract class QemuProcess implements VmProcess {
  private static final Logger log = LoggerFactory.getLogger(QemuProcess.class);

  private final long pid;
  private final Instant startedAt;
  /** Completed once the process is gone (and, for a child, reaped). */
  protected final CompletableFuture<Integer> exitCode;

  QemuProcess(long pid, Instant startedAt, CompletableFuture<Integer> exitCode) {
    this.pid = pid;
    this.startedAt = startedAt;
    this.exitCode = exitCode;
  }

  /** SIGTERM: QEMU shuts the guest down and exits. */
  abstract void terminate();

  /** SIGKILL. */
  abstract void kill();

  @Override
  public long pid() {
    return pid;
  }

  @Override
  public Instant startedAt() {
    return startedAt;
  }

  /** A copy, so that a caller completing it cannot fake an exit for everybody else. */
  @Override
  public CompletableFuture<Integer> exit() {
    return exitCode.copy();
  }

  @Override
  public int stop(Duration grace) throws InterruptedException {
    if (!exitCode.isDone()) {
      terminate();
      try {
        if (!awaitExit(grace)) {
          log.warn("QEMU pid {} did not exit within {} of SIGTERM; sending SIGKILL", pid, GoDuration.format(grace));
          kill();
        }
      } catch (InterruptedException e) {
        kill();
        throw e;
      }
    }
    return awaitExit();
  }

  private boolean awaitExit(Duration timeout) throws InterruptedException {
    try {
      exitCode.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException("exit watch of pid " + pid + " failed", e.getCause());
    }
  }

  private int awaitExit() throws InterruptedException {
    try {
      return exitCode.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("exit watch of pid " + pid + " failed", e.getCause());
    }
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[pid=" + pid + ", startedAt=" + startedAt + "]";
  }
}
