package io.cocos.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * Everything a command takes from the world outside the JVM: environment, working directory,
 * output streams and whether they are terminals, and the clock. Tests build one by hand.
 *
 * @param env            the environment (MANAGER_GRPC_*, NO_COLOR, TERM)
 * @param workDir        directory that relative paths are resolved against and keys are written to
 * @param out            standard output: results, line by line
 * @param err            standard error: "❌ ..." lines
 * @param outIsTerminal  stdout is a terminal: spinner and colours allowed there
 * @param errIsTerminal  stderr is a terminal: colours allowed there
 * @param clock          for ages and TTLs in list-vms
 */
public record CliContext(Map<String, String> env, Path workDir, PrintWriter out, PrintWriter err,
    boolean outIsTerminal, boolean errIsTerminal, Clock clock) {

  public CliContext {
    env = Map.copyOf(env);
    workDir = workDir.toAbsolutePath().normalize();
  }

  /** The real process: System.getenv, the current directory, stdout/stderr as UTF-8. */
  public static CliContext system() {
    return new CliContext(System.getenv(), Path.of(""), utf8(FileDescriptor.out), utf8(FileDescriptor.err),
        isTerminal(1), isTerminal(2), Clock.systemUTC());
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
  private static PrintWriter utf8(FileDescriptor fd) {
    return new PrintWriter(new OutputStreamWriter(new FileOutputStream(fd), StandardCharsets.UTF_8), true);
  }

  /** Whether file descriptor fd is a terminal (Linux: /proc/self/fd; elsewhere: System.console()). */
  static boolean isTerminal(int fd) {
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return System.console() != null;
    }
  }
}
