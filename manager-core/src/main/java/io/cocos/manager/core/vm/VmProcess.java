package io.cocos.manager.core.vm;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** A running VM as the domain sees it: a process it can watch and stop. */
public interface VmProcess {
  /** The exit code of an {@link ExitStatus#UNKNOWN} status: nobody who saw the end left it. */
  int UNKNOWN_EXIT_CODE = -1;

  long pid();

  /** When the OS says the process started; used to tell a reused pid from the original process. */
  Instant startedAt();

  /**
   * Completes when the process has ended and been reaped, with how it ended ({@link
   * ExitStatus#UNKNOWN} when that cannot be known).
   */
  CompletableFuture<ExitStatus> exit();

  boolean isAlive();

  /**
   * Asks the VM to stop (SIGTERM), waits up to {@code grace}, then kills it (SIGKILL). Returns once
   * the process is gone and reaped, with its {@link ExitStatus#exitCode()}. Safe to call more than
   * once.
   *
   * @throws VmUnstoppableException when the process is still alive a bounded time after SIGKILL
   */
  int stop(Duration grace) throws InterruptedException;

  /**
   * Stops the VM gracefully: asks the guest to power off, then the VM to quit, then {@link #stop}
   * with {@code grace}; each step bounded by the hypervisor's own timeouts. Returns once the
   * process is gone and reaped. A VM that cannot be asked is simply {@link #stop}ped.
   */
  default int shutDown(Duration grace) throws InterruptedException {
    return stop(grace);
  }

  /**
   * What the guest is doing, in the hypervisor's words ("running", "paused", "shutdown",
   * "internal-error", "guest-panicked", ...); empty when the hypervisor cannot tell.
   */
  default Optional<String> guestStatus() {
    return Optional.empty();
  }

  /**
   * Sends the guest's events to {@code listener} from now on (one listener; a later call replaces
   * it). The listener runs on the hypervisor's thread, in the order of the events, and must not
   * block.
   */
  default void onGuestEvent(Consumer<GuestEvent> listener) {}

  /**
   * Why the guest shut down, once the process has ended ("guest-shutdown", "host-qmp-quit", ...);
   * empty when it ended without saying (killed, crashed) or the hypervisor cannot tell. May wait
   * briefly for the hypervisor's last words after the exit.
   */
  default Optional<String> shutdownReason() {
    return Optional.empty();
  }

  /**
   * Stops watching the VM without stopping it: the manager is closing and a later one adopts it.
   */
  default void detach() {}
}
