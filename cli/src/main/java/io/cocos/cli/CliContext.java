package io.cocos.cli;

import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * Everything a command takes from the world outside the JVM: environment, working directory, output
 * streams and whether they are terminals, and the clock. Tests build one by hand.
 *
 * @param env the environment (MANAGER_GRPC_*, AGENT_GRPC_*, NO_COLOR, TERM)
 * @param workDir directory that relative paths are resolved against and keys are written to
 * @param out standard output: results, line by line
 * @param outBytes the same standard output for bytes written as they are (console text); flush
 *     {@code out} before writing to it
 * @param err standard error: "❌ ..." lines
 * @param outIsTerminal stdout is a terminal: spinner and colours allowed there
 * @param errIsTerminal stderr is a terminal: colours allowed there
 * @param clock for ages and TTLs in list-vms
 */
public record CliContext(
    Map<String, String> env,
    Path workDir,
    PrintWriter out,
    OutputStream outBytes,
    PrintWriter err,
    boolean outIsTerminal,
    boolean errIsTerminal,
    Clock clock) {

  public CliContext {
    env = Map.copyOf(env);
    workDir = workDir.toAbsolutePath().normalize();
  }

  /**
   * Output to writers only (tests): bytes written to {@link #outBytes} reach {@code out} as UTF-8
   * text.
   */
  public CliContext(
      Map<String, String> env,
      Path workDir,
      PrintWriter out,
      PrintWriter err,
      boolean outIsTerminal,
      boolean errIsTerminal,
      Clock clock) {
    this(env, workDir, out, new Utf8ToWriter(out), err, outIsTerminal, errIsTerminal, clock);
  }

  /** The real process: System.getenv, the current directory, stdout/stderr as UTF-8. */
  public static CliContext system() {
    FileOutputStream stdout = new FileOutputStream(FileDescriptor.out);
    return new CliContext(
        System.getenv(),
        Path.of(""),
        utf8(stdout),
        stdout,
        utf8(new FileOutputStream(FileDescriptor.err)),
        isTerminal(1),
        isTerminal(2),
        Clock.systemUTC());
  }

  /** A variable's value; unset and empty are the same (both mean "use the default"). */
  public String getenv(String name) {
    String v = env.get(name);
    return v == null || v.isEmpty() ? null : v;
  }

  public Style outStyle() {
    return new Style(colourAllowed() && outIsTerminal);
  }

  public Style errStyle() {
    return new Style(colourAllowed() && errIsTerminal);
  }

  /** https://no-color.org: any non-empty NO_COLOR turns colour off; so does TERM=dumb. */
  private boolean colourAllowed() {
    return getenv("NO_COLOR") == null && !"dumb".equals(getenv("TERM"));
  }

  public Path resolve(String path) {
    return workDir.resolve(path);
  }

  // Always UTF-8: upstream's emoji must not become '?' under LANG=C (systemd units, cron, CI).
  private static PrintWriter utf8(OutputStream stream) {
    return new PrintWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), true);
  }

  /** Bytes to a writer: kept until flush, then decoded as UTF-8 (callers flush at line ends). */
  private static final class Utf8ToWriter extends OutputStream {
    private final PrintWriter writer;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    Utf8ToWriter(PrintWriter writer) {
      this.writer = writer;
    }

    @Override
    public void write(int b) {
      pending.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      pending.write(b, off, len);
    }

    @Override
    public void flush() {
      writer.write(pending.toString(StandardCharsets.UTF_8));
      writer.flush();
      pending.reset();
    }
  }

  /**
   * Whether file descriptor fd is a terminal (Linux: /proc/self/fd; elsewhere: System.console()).
   */
  static boolean isTerminal(int fd) {
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
      return target.startsWith("/dev/pts/")
          || target.startsWith("/dev/tty")
          || target.equals("/dev/console");
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return System.console() != null;
    }
  }
}
