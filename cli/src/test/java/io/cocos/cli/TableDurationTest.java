package io.cocos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TableDurationTest {
  @ParameterizedTest
  @CsvSource({
    "PT42S, 42s",
    "PT5M12S, 5m12s",
    "PT42M10S, 42m",
    "PT3H5M, 3h5m",
    "PT51H, 2d3h",
    "PT-3S, 0s"
  })
  void shortForm(String iso, String expected) {
    assertThat(TableDuration.of(Duration.parse(iso))).isEqualTo(expected);
  }
}
