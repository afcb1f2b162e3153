package io.cocos.manager.qemu;

import io.cocos.manager.core.config.GoDuration;
import io.cocos.manager.core.vm.ExitStatus;
import io.cocos.manager.core.vm.GuestEvent;
import io.cocos.manager.core.vm.VmProcess;
import io.cocos.manager.core.vm.VmUnstoppableException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A QEMU process as the domain sees it: stopping and graceful shutdown; {@link WatchedQemuProcess}
 * learns of the exit and sends the signals.
 *
 * <p>Concurrency: the only mutable state here is {@link #exit}, completed exactly once by whoever
 * observes the exit (the hypervisor's poller thread); CompletableFuture makes that safe. {@link
 * #stop} takes no lock: concurrent calls each send SIGTERM and, after their grace, SIGKILL — both
 * harmless twice — and all return the same exit code. Sending a signal to a pid that has meanwhile
 * been reaped and reused is prevented by the JDK, which checks that the pid still has the start
 * time it had (ProcessHandleImpl.destroy0).
 *
 * <p>{@link #shutDown} goes from the gentlest to the hardest: QMP system_powerdown (the guest's
 * ACPI power button) for up to MANAGER_QEMU_POWERDOWN_TIMEOUT, then QMP quit for up to the grace,
 * then {@link #stop}: SIGTERM, the grace again, SIGKILL. Without a QMP connection it is {@link
 * #stop}.
 */
abstract class QemuProcess implements VmProcess {
  private static final Logger log = LoggerFactory.getLogger(QemuProcess.class);
  static final Duration KILL_WAIT = Duration.ofSeconds(10);

  private final long pid;
  private final Instant startedAt;

  /** Completed once the process is gone and how it ended is decided. */
  protected final CompletableFuture<ExitStatus> exit;

  /** The guest as QMP shows it; without a connection, it knows nothing. */
  protected final GuestMonitor guest;

  private final Duration powerdownTimeout;

  QemuProcess(
      long pid,
      Instant startedAt,
      CompletableFuture<ExitStatus> exit,
      GuestMonitor guest,
      Duration powerdownTimeout) {
    this.pid = pid;
    this.startedAt = startedAt;
    this.exit = exit;
    this.guest = guest;
    this.powerdownTimeout = powerdownTimeout;
  }

  GuestMonitor guestMonitor() {
    return guest;
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
  public CompletableFuture<ExitStatus> exit() {
    return exit.copy();
  }

  @Override
  public int stop(Duration grace) throws InterruptedException {
    if (!exit.isDone()) {
      terminate();
      try {
        if (!awaitExit(grace)) {
          log.warn(
              "QEMU pid {} did not exit within {} of SIGTERM; sending SIGKILL",
              pid,
              GoDuration.format(grace));
          killAndAwait();
        }
      } catch (InterruptedException e) {
        kill();
        throw e;
      }
    }
    return awaitExit();
  }

  /**
   * SIGKILL, then a bounded wait: a process that is not ours to signal (a root QEMU under
   * MANAGER_QEMU_USE_SUDO, adopted by an unprivileged manager) would otherwise hang its caller — a
   * removal, or a restart's restore — for ever.
   */
  private void killAndAwait() throws InterruptedException {
    kill();
    if (!awaitExit(killWait())) {
      throw new VmUnstoppableException(
          "QEMU pid "
              + pid
              + " is still alive "
              + GoDuration.format(killWait())
              + " after SIGKILL: it is not this manager's to signal (a root QEMU under MANAGER_QEMU_USE_SUDO?) or it is"
              + " stuck in the kernel; stop it by hand");
    }
  }

  /** How long a SIGKILLed process may take to be gone and reaped. */
  Duration killWait() {
    return KILL_WAIT;
  }

  @Override
  public int shutDown(Duration grace) throws InterruptedException {
    String cvm = guest.cvmId();
    try {
      if (!exit.isDone() && !powerdownTimeout.isZero() && guest.client().isPresent()) {
        log.info(
            "asking the guest of CVM {} to power off (QMP system_powerdown); waiting up to {}",
            cvm,
            GoDuration.format(powerdownTimeout));
        guest.client().ifPresent(qmp -> qmp.execute("system_powerdown"));
        if (awaitExit(powerdownTimeout)) {
          log.info("the guest of CVM {} powered off", cvm);
          return withLastWords(awaitExit());
        }
        log.info(
            "the guest of CVM {} did not power off within {}",
            cvm,
            GoDuration.format(powerdownTimeout));
      }
      if (!exit.isDone() && guest.client().isPresent()) {
        log.info(
            "telling QEMU of CVM {} to quit (QMP quit); waiting up to {}",
            cvm,
            GoDuration.format(grace));
        guest.client().ifPresent(qmp -> qmp.execute("quit"));
        if (awaitExit(grace)) {
          log.info("QEMU of CVM {} quit", cvm);
          return withLastWords(awaitExit());
        }
        log.warn(
            "QEMU of CVM {} did not quit within {}; sending SIGTERM",
            cvm,
            GoDuration.format(grace));
      }
    } catch (InterruptedException e) {
      kill();
      throw e;
    }
    return withLastWords(stop(grace));
  }

  /**
   * Lets QMP deliver what QEMU said before it exited (the SHUTDOWN event), so that the caller's
   * next step comes after the guest's last events. Bounded: see {@link
   * GuestMonitor#shutdownReason}.
   */
  private int withLastWords(int exit) {
    guest.shutdownReason();
    return exit;
  }

  @Override
  public Optional<String> guestStatus() {
    return guest.status();
  }

  @Override
  public void onGuestEvent(Consumer<GuestEvent> listener) {
    guest.onGuestEvent(listener);
  }

  @Override
  public Optional<String> shutdownReason() {
    return guest.shutdownReason();
  }

  @Override
  public void detach() {
    guest.close();
  }

  private boolean awaitExit(Duration timeout) throws InterruptedException {
    try {
      exit.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException("exit watch of pid " + pid + " failed", e.getCause());
    }
  }

  private int awaitExit() throws InterruptedException {
    try {
      return exit.get().exitCode();
    } catch (ExecutionException e) {
      throw new IllegalStateException("exit watch of pid " + pid + " failed", e.getCause());
    }
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[pid=" + pid + ", startedAt=" + startedAt + "]";
  }
}
