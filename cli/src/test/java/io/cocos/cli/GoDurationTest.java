package io.cocos.cli;

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
      "90s, PT1M30S", "1h30m, PT1H30M", "1.5h, PT1H30M", "300ms, PT0.3S", "0, PT0S", "+5m, PT5M",
      "-5m, PT-5M", "1h1m1s1ms1us1ns, PT1H1M1.001001001S", "2µs, PT0.000002S", ".5s, PT0.5S", "5.s, PT5S"})
  void parsesWhatGoParses(String text, String expected) {
    assertThat(GoDuration.parse(text)).isEqualTo(Duration.parse(expected));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "5", "5min", "1d", "abc", "1.2.3s", "s", " 5s", "5s ", "-", "1e3s", "99999999999h"})
  void rejectsWhatGoRejects(String text) {
    assertThatThrownBy(() -> GoDuration.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @CsvSource({"PT1H30M, 1h30m0s", "PT1M30S, 1m30s", "PT0S, 0s", "PT0.25S, 250ms", "PT1.5S, 1.5s",
      "PT26H, 26h0m0s", "PT0.0000015S, 1.5µs", "PT-1M, -1m0s"})
  void formatsAsGoDurationString(String iso, String expected) {
    assertThat(GoDuration.format(Duration.parse(iso))).isEqualTo(expected);
  }

  @Test
  void formattedDurationsParseBack() {
    for (String s : new String[] {"90s", "1h30m", "36h", "1.5s", "250ms", "7µs"}) {
      Duration d = GoDuration.parse(s);
      assertThat(GoDuration.parse(GoDuration.format(d))).isEqualTo(d);
    }
  }

  @ParameterizedTest
  @CsvSource({"PT42S, 42s", "PT5M12S, 5m12s", "PT42M10S, 42m", "PT3H5M, 3h5m", "PT51H, 2d3h", "PT-3S, 0s"})
  void humanForm(String iso, String expected) {
    assertThat(GoDuration.human(Duration.parse(iso))).isEqualTo(expected);
  }
}
