package io.cocos.cli;

import io.cocos.manager.core.concurrent.DaemonThreads;
import java.io.PrintWriter;

/**
 * A one-line spinner on stdout while a slow call waits, drawn only when stdout is a terminal (a
 * pipe or file gets the plain lines alone). Closing it erases the line.
 */
public final class Spinner implements AutoCloseable {
  private static final String[] FRAMES = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};
  private static volatile Spinner active;

  private final PrintWriter out;
  private final Thread thread;
  private volatile boolean stopped;

  private Spinner(PrintWriter out, String label) {
    this.out = out;
    long start = System.nanoTime();
    this.thread =
        DaemonThreads.newThread(
            "spinner",
            () -> {
              int i = 0;
              while (!stopped) {
                long tenths = (System.nanoTime() - start) / 100_000_000L;
                synchronized (out) {
                  if (!stopped) {
                    out.print(
                        "\r"
                            + FRAMES[i++ % FRAMES.length]
                            + " "
                            + label
                            + " ("
                            + tenths / 10
                            + "."
                            + tenths % 10
                            + "s)");
                    out.flush();
                  }
                }
                try {
                  Thread.sleep(100);
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
  }

  /** Starts a spinner when wanted and stdout is a terminal; otherwise one that does nothing. */
  public static Spinner start(CliContext ctx, String label, boolean wanted) {
    Spinner s = new Spinner(ctx.out(), label);
    if (wanted && ctx.outIsTerminal()) {
      active = s;
      s.thread.start();
    } else {
      s.stopped = true;
    }
    return s;
  }

  @Override
  public void close() {
    if (stopped) {
      return;
    }
    stopped = true;
    thread.interrupt();
    try {
      thread.join(500);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    erase();
    active = null;
  }

  private void erase() {
    synchronized (out) {
      out.print("\r\u001b[2K");
      out.flush();
    }
  }

  /** From the shutdown hook on Ctrl-C: leave a clean line behind. */
  static void eraseActive() {
    Spinner s = active;
    if (s != null) {
      s.stopped = true;
      s.erase();
    }
  }
}
