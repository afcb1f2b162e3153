package io.cocos.manager.core.concurrent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class UninterruptiblyTest {
  @AfterEach
  void clearInterrupt() {
    Thread.interrupted();
  }

  @Test
  void anInterruptedWaitIsRepeatedAndTheInterruptKept() {
    AtomicInteger calls = new AtomicInteger();
    int value =
        Uninterruptibly.await(
            () -> {
              if (calls.incrementAndGet() < 3) {
                throw new InterruptedException();
              }
              return 7;
            });
    assertEquals(7, value);
    assertEquals(3, calls.get());
    assertTrue(Thread.currentThread().isInterrupted());
  }

  @Test
  void afterAnInterruptTheSecondWaitIsUsed() {
    String value =
        Uninterruptibly.await(
            () -> {
              throw new InterruptedException();
            },
            () -> "killed");
    assertEquals("killed", value);
    assertTrue(Thread.currentThread().isInterrupted());
  }

  @Test
  void anUninterruptedWaitLeavesTheFlagClear() {
    assertEquals("x", Uninterruptibly.await(() -> "x"));
    assertFalse(Thread.currentThread().isInterrupted());
  }

  @Test
  void aFuturesCheckedFailureOfTheNamedTypeIsThrownUnchanged() {
    IOException failure = new IOException("disk");
    CompletableFuture<String> future = CompletableFuture.failedFuture(failure);
    assertSame(
        failure,
        assertThrows(IOException.class, () -> Uninterruptibly.get(future, IOException.class)));
  }

  @Test
  void aFuturesRuntimeFailureIsThrownUnchangedAndOtherCheckedOnesWrapped() {
    IllegalArgumentException runtime = new IllegalArgumentException("bad");
    assertSame(
        runtime,
        assertThrows(
            IllegalArgumentException.class,
            () -> Uninterruptibly.get(CompletableFuture.failedFuture(runtime), IOException.class)));
    Exception other = new Exception("other");
    IllegalStateException wrapped =
        assertThrows(
            IllegalStateException.class,
            () -> Uninterruptibly.get(CompletableFuture.failedFuture(other), IOException.class));
    assertSame(other, wrapped.getCause());
  }

  @Test
  void aFuturesValueIsReturnedWhileInterrupted() {
    Thread.currentThread().interrupt();
    assertEquals(
        "done",
        Uninterruptibly.get(CompletableFuture.completedFuture("done"), RuntimeException.class));
    assertTrue(Thread.currentThread().isInterrupted());
  }
}
