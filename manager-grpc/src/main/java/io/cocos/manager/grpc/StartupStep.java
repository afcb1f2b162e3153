package io.cocos.manager.grpc;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Consumer;

/**
 * One step of start-up run on a thread of its own, so that it overlaps another step on the
 * machine's second core. Whoever begins it awaits it, or discards it on a failed start (waiting,
 * then closing what it made): no step outlives a start that failed.
 */
final class StartupStep<T> {
  private final FutureTask<T> task;

  private StartupStep(Callable<T> work) {
    this.task = new FutureTask<>(work);
  }

  /** Starts {@code work} on a daemon thread named {@code name}; the thread ends with it. */
  static <T> StartupStep<T> begin(String name, Callable<T> work) {
    StartupStep<T> step = new StartupStep<>(work);
    Thread thread = new Thread(step.task, name);
    thread.setDaemon(true);
    thread.start();
    return step;
  }

  /**
   * What the step made; what it threw, unchanged (a checked exception only of type {@code thrown}).
   */
  <X extends Exception> T await(Class<X> thrown) throws X {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return task.get();
        } catch (InterruptedException e) {
          // Start-up is not cancelled by an interrupt: the step is awaited and the interrupt kept.
          interrupted = true;
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (thrown.isInstance(cause)) {
            throw thrown.cast(cause);
          }
          if (cause instanceof RuntimeException runtime) {
            throw runtime;
          }
          if (cause instanceof Error error) {
            throw error;
          }
          throw new IllegalStateException(cause);
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** For a start that failed: waits for the step and closes what it made, if it made anything. */
  void discard(Consumer<T> close) {
    T made;
    try {
      made = await(Exception.class);
    } catch (Exception e) {
      // The step failed too: it made nothing, and the start's own failure is the one reported.
      return;
    }
    close.accept(made);
  }
}
