package io.cocos.manager.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class GoDurationTest {
  @ParameterizedTest
  @CsvSource({
    "0, 0",
    "500ms, 500000000",
    "60s, 60000000000",
    "1h30m, 5400000000000",
    "1.5h, 5400000000000",
    "90s, 90000000000",
    "2h45m10.5s, 9910500000000",
    "1us, 1000",
    "1µs, 1000",
    "10ns, 10",
    "+5s, 5000000000",
    ".5s, 500000000",
    "-5s, -5000000000",
    "5.s, 5000000000",
    "1h1m1s1ms1us1ns, 3661001001001",
    "-0, 0"
  })
  void parsesWhatGoParses(String text, long nanos) {
    assertThat(GoDuration.parse(text)).isEqualTo(Duration.ofNanos(nanos));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "5",
        "s",
        "1x",
        "1h 30m",
        "1.2.3s",
        "h1",
        "10000000000000h",
        "5min",
        "1d",
        " 5s",
        "5s ",
        "-",
        "1e3s"
      })
  void rejectsWhatGoRejects(String text) {
    assertThatThrownBy(() -> GoDuration.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @CsvSource({
    "0, 0s",
    "1500000000, 1.5s",
    "5400000000000, 1h30m0s",
    "250000000, 250ms",
    "61000000000, 1m1s",
    "1500, 1.5µs",
    "93600000000000, 26h0m0s",
    "-60000000000, -1m0s"
  })
  void formatsLikeGo(long nanos, String text) {
    assertThat(GoDuration.format(Duration.ofNanos(nanos))).isEqualTo(text);
  }

  @Test
  void formattedDurationsParseBack() {
    for (String s : new String[] {"90s", "1h30m", "36h", "1.5s", "250ms", "7µs", "-2m"}) {
      Duration d = GoDuration.parse(s);
      assertThat(GoDuration.parse(GoDuration.format(d))).isEqualTo(d);
    }
  }
}
