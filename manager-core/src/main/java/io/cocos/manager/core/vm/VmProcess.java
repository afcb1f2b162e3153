package io.cocos.manager.core.vm;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/** A running VM as the domain sees it: a process it can watch and stop. */
public interface VmProcess {
  /** Exit code reported when the process was not started by this manager and its status is unknowable. */
  int UNKNOWN_EXIT_CODE = -1;

  long pid();

  /** When the OS says the process started; used to tell a reused pid from the original process. */
  Instant startedAt();

  /**
   * Completes when the process has ended and been reaped, with its exit code (or
   * {@link #UNKNOWN_EXIT_CODE} for a process adopted from an earlier manager).
   */
  CompletableFuture<Integer> exit();

  boolean isAlive();

  /**
   * Asks the VM to stop (SIGTERM), waits up to {@code grace}, then kills it (SIGKILL). Returns
   * once the process is gone and reaped, with its exit code. Safe to call more than once.
   */
  int stop(Duration grace) throws InterruptedException;
}
