package io.cocos.manager.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ControlCharactersTest {
  @Test
  void controlAndInvisibleFormatCharactersAreSpelledOut() {
    assertThat(ControlCharacters.escape("a\u001b[31mred\r\nb\u0085"))
        .isEqualTo("a\\x1b[31mred\\x0d\\x0ab\\x85");
    assertThat(ControlCharacters.escape("ok \u202eevil\u2066x\u2069 zero\u200bwidth\u2028"))
        .isEqualTo("ok \\u202eevil\\u2066x\\u2069 zero\\u200bwidth\\u2028");
    assertThat(ControlCharacters.escape("tag\uDB40\uDC01")).isEqualTo("tag\\U000e0001");
  }

  @Test
  void printableTextIsLeftAsItIs() {
    String text = "Grüße, 日本語, emoji \uD83D\uDE00, <b>&amp;</b>";
    assertThat(ControlCharacters.escape(text)).isEqualTo(text);
  }
}
