package io.cocos.manager.grpc.observability;

import ch.qos.logback.core.Context;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.status.StatusListener;
import java.io.PrintStream;

/**
 * Logback's own warnings and errors (about the logging set-up, or an appender that cannot write),
 * one line each on stderr. With a status listener on the context, logback does not look for
 * warnings itself at start-up: that look initialises its status printer, whose date formatter reads
 * the host's time zone from the time-zone database (≈ 7 ms of start-up, for nothing when all is
 * well). Statuses below WARN stay unprinted, as before.
 */
final class StatusWarningsToStderr implements StatusListener {
  /** A status message is logback's, not a client's, but a runaway one still stops here. */
  private static final int MAX_MESSAGE_CHARS = 500;

  private final PrintStream err;

  StatusWarningsToStderr(PrintStream err) {
    this.err = err;
  }

  /** Listens on {@code context}, first printing the warnings it already holds. */
  static void install(Context context, PrintStream err) {
    StatusWarningsToStderr listener = new StatusWarningsToStderr(err);
    context.getStatusManager().getCopyOfStatusList().forEach(listener::addStatusEvent);
    context.getStatusManager().add(listener);
  }

  @Override
  public void addStatusEvent(Status status) {
    if (status.getEffectiveLevel() < Status.WARN) {
      return;
    }
    String message = String.valueOf(status.getMessage());
    if (message.length() > MAX_MESSAGE_CHARS) {
      message = message.substring(0, MAX_MESSAGE_CHARS) + "…";
    }
    StringBuilder line =
        new StringBuilder("cocos-manager: logback ")
            .append(status.getEffectiveLevel() >= Status.ERROR ? "error" : "warning")
            .append(": ")
            .append(message.replace('\n', ' '));
    if (status.getThrowable() != null) {
      line.append(": ").append(String.valueOf(status.getThrowable()).replace('\n', ' '));
    }
    err.println(line);
  }

  @Override
  public boolean isResetResistant() {
    return true;
  }
}
