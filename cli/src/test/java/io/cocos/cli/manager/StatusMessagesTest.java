package io.cocos.cli.manager;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StatusMessagesTest {
  @Test
  void aServersDescriptionIsShownOnOneLineAndBounded() {
    assertThat(StatusMessages.bounded("no CVM with id 1234")).isEqualTo("no CVM with id 1234");
    assertThat(StatusMessages.bounded("two\nlines")).isEqualTo("two\\x0alines");
    String huge = StatusMessages.bounded("x".repeat(100_000));
    assertThat(huge)
        .hasSizeLessThan(StatusMessages.MAX_DESCRIPTION + 40)
        .endsWith("… (100000 characters)");
    assertThat(StatusMessages.bounded(null)).isNull();
  }
}
