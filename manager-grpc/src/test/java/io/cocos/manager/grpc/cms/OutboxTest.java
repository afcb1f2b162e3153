package io.cocos.manager.grpc.cms;

import static org.assertj.core.api.Assertions.assertThat;

import io.cocos.manager.cms.api.ConsoleLine;
import io.cocos.manager.cms.api.ConsoleLines;
import io.cocos.manager.cms.api.LifecycleEvent;
import io.cocos.manager.core.cvm.CvmState;
import io.cocos.manager.core.event.CvmEvent;
import io.cocos.manager.core.event.CvmEventType;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutboxTest {
  final Outbox outbox = new Outbox(3, 4, Clock.systemUTC());

  static CvmEvent event(String detail) {
    return new CvmEvent(
        Instant.now(), "cvm-1", CvmEventType.RUNNING, CvmState.RUNNING, detail, null);
  }

  @Test
  void eventsKeepTheirOrderAndTheOldestAreDroppedAndCountedWhenFull() {
    List<Boolean> firstDrops = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      firstDrops.add(outbox.addEvent(event("e" + i)));
    }
    assertThat(firstDrops)
        .as("only the first drop is reported")
        .containsExactly(false, false, false, true, false);
    List<LifecycleEvent> out = new ArrayList<>();
    for (LifecycleEvent e; (e = outbox.pollEvent()) != null; ) {
      out.add(e);
    }
    assertThat(out).extracting(LifecycleEvent::getDetail).containsExactly("e3", "e4", "e5");
    assertThat(out).extracting(LifecycleEvent::getSequence).containsExactly(3L, 4L, 5L);
    assertThat(out.get(0).getType()).isEqualTo("running");
    assertThat(out.get(0).hasExitCode()).isFalse();
    assertThat(outbox.droppedSoFar()).isEqualTo(new Outbox.Dropped(2, 0));
  }

  @Test
  void aDropAfterTheHelloIsReportedAgainAndTotalsKeepGrowing() {
    for (int i = 0; i < 4; i++) {
      outbox.addEvent(event("x"));
    }
    outbox.droppedSoFar();
    assertThat(outbox.addEvent(event("y"))).isTrue();
    assertThat(outbox.droppedSoFar().events()).isEqualTo(2);
  }

  @Test
  void exitCodesTravelWithExitedEvents() {
    outbox.addEvent(
        new CvmEvent(
            Instant.now(), "cvm-1", CvmEventType.EXITED, CvmState.EXITED, "exit code 3", 3));
    LifecycleEvent e = outbox.pollEvent();
    assertThat(e.getType()).isEqualTo("exited");
    assertThat(e.getExitCode()).isEqualTo(3);
  }

  @Test
  void consoleLinesHaveTheirOwnBoundAndComeInBatches() {
    for (int i = 1; i <= 6; i++) {
      outbox.addConsoleLine("cvm-" + (i % 2), "line " + i);
    }
    ConsoleLines first = outbox.pollConsoleLines(3, 1 << 20);
    ConsoleLines second = outbox.pollConsoleLines(3, 1 << 20);
    assertThat(first.getLinesList())
        .extracting(ConsoleLine::getText)
        .containsExactly("line 3", "line 4", "line 5");
    assertThat(second.getLinesList()).extracting(ConsoleLine::getSequence).containsExactly(6L);
    assertThat(outbox.pollConsoleLines(3, 1 << 20)).isNull();
    assertThat(outbox.droppedSoFar()).isEqualTo(new Outbox.Dropped(0, 2));
    assertThat(outbox.pollEvent()).as("console lines never push events out").isNull();
  }

  @Test
  void aBatchStopsNearItsByteLimitButAlwaysTakesOneLine() {
    outbox.addConsoleLine("cvm", "a".repeat(300));
    outbox.addConsoleLine("cvm", "b".repeat(300));
    assertThat(outbox.pollConsoleLines(100, 100).getLinesCount()).isEqualTo(1);
    assertThat(outbox.pollConsoleLines(100, 100).getLinesCount()).isEqualTo(1);
  }
}
