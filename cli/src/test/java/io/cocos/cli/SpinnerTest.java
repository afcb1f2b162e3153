package io.cocos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

@SuppressWarnings("try")
class SpinnerTest {
  private static CliContext ctx(StringWriter out, boolean terminal) {
    return new CliContext(Map.of(), Path.of("."), new PrintWriter(out, true), new PrintWriter(new StringWriter()),
        terminal, terminal, Clock.systemUTC());
  }

  @Test
  void spinsOnATerminalAndErasesItsLine() throws InterruptedException {
    StringWriter out = new StringWriter();
    try (Spinner s = Spinner.start(ctx(out, true), "waiting", true)) {
      Thread.sleep(350);
    }
    assertThat(out.toString()).contains("\r⠋ waiting (0.0s)", "⠙ waiting").endsWith("\r\u001b[2K");
  }

  @Test
  void silentWhenNotATerminalOrNotWanted() throws InterruptedException {
    StringWriter pipe = new StringWriter();
    try (Spinner s = Spinner.start(ctx(pipe, false), "waiting", true)) {
      Thread.sleep(150);
    }
    StringWriter unwanted = new StringWriter();
    try (Spinner s = Spinner.start(ctx(unwanted, true), "waiting", false)) {
      Thread.sleep(150);
    }
    assertThat(pipe.toString()).isEmpty();
    assertThat(unwanted.toString()).isEmpty();
  }
}
