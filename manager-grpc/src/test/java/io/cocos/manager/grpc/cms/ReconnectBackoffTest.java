package io.cocos.manager.grpc.cms;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReconnectBackoffTest {
  @Test
  void levelsDoubleFromOneSecondAndStopAtSixty() {
    ReconnectBackoff backoff = new ReconnectBackoff(() -> 0.5);
    List<Long> levels = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      ReconnectBackoff.Delay d = backoff.next();
      assertThat(d.pause()).as("no jitter at the middle of the range").isEqualTo(d.level());
      levels.add(d.level().toSeconds());
    }
    assertThat(levels).containsExactly(1L, 2L, 4L, 8L, 16L, 32L, 60L, 60L, 60L);
  }

  @Test
  void jitterSpreadsEachPauseByTwentyPercent() {
    assertThat(new ReconnectBackoff(() -> 0.0).next().pause()).isEqualTo(Duration.ofMillis(800));
    assertThat(new ReconnectBackoff(() -> 0.999_999).next().pause())
        .isEqualTo(Duration.ofMillis(1200));
  }

  @Test
  void resetStartsOverAtOneSecond() {
    ReconnectBackoff backoff = new ReconnectBackoff(() -> 0.5);
    backoff.next();
    backoff.next();
    backoff.reset();
    assertThat(backoff.next().level()).isEqualTo(Duration.ofSeconds(1));
  }
}
