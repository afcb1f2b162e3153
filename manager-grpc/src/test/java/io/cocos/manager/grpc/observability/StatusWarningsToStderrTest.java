package io.cocos.manager.grpc.observability;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.status.ErrorStatus;
import ch.qos.logback.core.status.InfoStatus;
import ch.qos.logback.core.status.StatusUtil;
import ch.qos.logback.core.status.WarnStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StatusWarningsToStderrTest {
  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
  private final PrintStream err = new PrintStream(printed, true, StandardCharsets.UTF_8);

  @Test
  void printsTheWarningsAlreadyHeldAndLaterOnesOneLineEach() {
    LoggerContext context = new LoggerContext();
    context.getStatusManager().add(new InfoStatus("configurator found", this));
    context.getStatusManager().add(new WarnStatus("no appender\nfor logger x", this));

    StatusWarningsToStderr.install(context, err);
    context.getStatusManager().add(new InfoStatus("appender started", this));
    context.getStatusManager().add(new ErrorStatus("cannot write", this, new IOException("gone")));

    assertThat(printed.toString(StandardCharsets.UTF_8))
        .isEqualTo(
            "cocos-manager: logback warning: no appender for logger x\n"
                + "cocos-manager: logback error: cannot write: java.io.IOException: gone\n");
    // which is what keeps logback's own start-up check (and its time-zone lookup) from running
    assertThat(StatusUtil.contextHasStatusListener(context)).isTrue();
  }

  @Test
  void boundsALongMessage() {
    LoggerContext context = new LoggerContext();
    StatusWarningsToStderr.install(context, err);

    context.getStatusManager().add(new WarnStatus("x".repeat(10_000), this));

    assertThat(printed.toString(StandardCharsets.UTF_8))
        .isEqualTo("cocos-manager: logback warning: " + "x".repeat(500) + "…\n");
  }

  @Test
  void theManagersOwnLoggingSetUpListens() {
    LoggerContext context = new LoggerContext();
    JsonLinesLogConfigurator.configureJsonLines(context);

    assertThat(StatusUtil.contextHasStatusListener(context)).isTrue();
  }
}
