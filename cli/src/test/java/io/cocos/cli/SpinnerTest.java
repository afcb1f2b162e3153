package io.cocos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

@SuppressWarnings("try")
class SpinnerTest {
  private static CliContext ctx(StringWriter out, boolean terminal) {
    return new CliContext(
        Map.of(),
        Path.of("."),
        new PrintWriter(out, true),
        new PrintWriter(new StringWriter()),
        terminal,
        terminal,
        Clock.systemUTC());
  }

  @Test
  void spinsOnATerminalAndErasesItsLine() {
    StringWriter out = new StringWriter();
    try (Spinner s = Spinner.start(ctx(out, true), "waiting", true)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> out.toString().contains("⠙ waiting"));
    }
    assertThat(out.toString()).contains("\r⠋ waiting (0.0s)", "⠙ waiting").endsWith("\r\u001b[2K");
  }

  @Test
  void silentWhenNotATerminalOrNotWanted() {
    StringWriter pipe = new StringWriter();
    StringWriter unwanted = new StringWriter();
    StringWriter drawn = new StringWriter();
    try (Spinner p = Spinner.start(ctx(pipe, false), "waiting", true);
        Spinner u = Spinner.start(ctx(unwanted, true), "waiting", false);
        Spinner d = Spinner.start(ctx(drawn, true), "waiting", true)) {
      // a spinner started after the silent ones has drawn two frames: they would have drawn too
      await().atMost(Duration.ofSeconds(10)).until(() -> drawn.toString().contains("⠙ waiting"));
    }
    assertThat(pipe.toString()).isEmpty();
    assertThat(unwanted.toString()).isEmpty();
  }
}
