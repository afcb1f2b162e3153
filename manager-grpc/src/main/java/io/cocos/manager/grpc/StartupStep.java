package io.cocos.manager.grpc;

import io.cocos.manager.core.concurrent.DaemonThreads;
import io.cocos.manager.core.concurrent.Uninterruptibly;
import java.util.concurrent.Callable;
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
    DaemonThreads.start(name, step.task);
    return step;
  }

  /**
   * What the step made; what it threw, unchanged (a checked exception only of type {@code thrown}).
   */
  <X extends Exception> T await(Class<X> thrown) throws X {
    // Start-up is not cancelled by an interrupt: the step is awaited and the interrupt kept.
    return Uninterruptibly.get(task, thrown);
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
