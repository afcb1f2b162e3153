package io.cocos.manager.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A start-up step runs on a daemon thread of its own and is awaited through an interrupt. */
class StartupStepTest {
  @Test
  void runsOnANamedDaemonThreadAndGivesWhatItMade() throws Exception {
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    StartupStep<String> step =
        StartupStep.begin(
            "test-step",
            () -> {
              ranOn.set(Thread.currentThread());
              return "made";
            });
    assertThat(step.await(IOException.class)).isEqualTo("made");
    assertThat(ranOn.get().getName()).isEqualTo("test-step");
    assertThat(ranOn.get().isDaemon()).isTrue();
  }

  @Test
  void whatTheStepThrewIsThrownUnchanged() {
    IOException bindFailed = new IOException("address in use");
    IllegalStateException bug = new IllegalStateException("bug");
    assertThat(awaitedFailureOf(bindFailed)).isSameAs(bindFailed);
    assertThat(awaitedFailureOf(bug)).isSameAs(bug);
  }

  /** What awaiting a step that throws {@code failure} throws. */
  private static Throwable awaitedFailureOf(Exception failure) {
    StartupStep<String> step =
        StartupStep.begin(
            "test-step",
            () -> {
              throw failure;
            });
    return catchThrowable(() -> step.await(IOException.class));
  }

  @Test
  void anInterruptDoesNotCutTheWaitShortAndIsKept() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    StartupStep<String> step =
        StartupStep.begin(
            "test-step",
            () -> {
              release.await();
              return "made";
            });
    Thread.currentThread().interrupt();
    Thread releaser = new Thread(release::countDown);
    releaser.start();
    try {
      assertThat(step.await(IOException.class)).isEqualTo("made");
      assertThat(Thread.interrupted()).as("the interrupt is kept").isTrue();
    } finally {
      Thread.interrupted();
      releaser.join();
    }
  }

  @Test
  void discardClosesWhatTheStepMadeAndNothingWhenItFailed() {
    List<String> closed = new ArrayList<>();
    StartupStep.begin("test-step", () -> "made").discard(closed::add);
    StartupStep.<String>begin(
            "test-step",
            () -> {
              throw new IOException("failed");
            })
        .discard(closed::add);
    assertThat(closed).containsExactly("made");
  }
}
