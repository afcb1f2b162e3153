package io.cocos.manager.core.concurrent;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Waits that an interrupt must not cut short: a QEMU being stopped, a shell being reaped, an
 * adoption or a start-up step under way would otherwise be left half done. An interrupt that
 * arrives meanwhile is kept and re-raised on the thread once the wait is over.
 */
public final class Uninterruptibly {
  private Uninterruptibly() {}

  /** A wait that may be interrupted. */
  @FunctionalInterface
  public interface Wait<T, X extends Exception> {
    T await() throws InterruptedException, X;
  }

  /** {@code wait}, repeated until it returns or throws something else than an interrupt. */
  public static <T, X extends Exception> T await(Wait<T, X> wait) throws X {
    return await(wait, wait);
  }

  /**
   * {@code first}; once interrupted, {@code afterInterrupt} until it returns (a stop that had a
   * grace period kills at once instead, for example).
   */
  public static <T, X extends Exception> T await(Wait<T, X> first, Wait<T, X> afterInterrupt)
      throws X {
    boolean interrupted = false;
    Wait<T, X> next = first;
    try {
      while (true) {
        try {
          return next.await();
        } catch (InterruptedException e) {
          interrupted = true;
          next = afterInterrupt;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * The future's value; what its task threw, unchanged (a checked exception only of type {@code
   * thrown}, anything else checked wrapped in an IllegalStateException).
   */
  public static <T, X extends Exception> T get(Future<T> future, Class<X> thrown) throws X {
    try {
      return await(future::get);
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
}
