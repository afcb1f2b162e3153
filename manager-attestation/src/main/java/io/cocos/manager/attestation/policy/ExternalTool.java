package io.cocos.manager.attestation.policy;

import io.cocos.manager.core.concurrent.Uninterruptibly;
import io.cocos.manager.core.config.ControlCharacters;
import io.cocos.manager.core.cvm.ManagerException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a helper program to completion within a time limit and collects its output. Every failure is
 * a FAILED_PRECONDITION whose message names the tool, its exit code and what it wrote to stderr.
 *
 * <p>Output goes to private temporary files rather than pipes: a pipe stays open while any child
 * the tool left behind holds it, and a thread blocked reading it cannot be released (the JDK's own
 * process reaper then blocks on it too). A file is simply read once the tool has exited.
 *
 * <p>A tool that overstays the limit gets SIGTERM, then SIGKILL after a grace period, and so do the
 * processes it started. SIGTERM comes first because a tool run through sudo is a root process the
 * manager may not signal: only sudo itself can be signalled, and sudo relays SIGTERM but cannot
 * relay SIGKILL.
 */
final class ExternalTool {
  /** Output allowed per stream; a tool printing more is stopped. */
  static final int MAX_OUTPUT_BYTES = 4 << 20;

  /** How much of stderr a message quotes. */
  private static final int MAX_QUOTED_CHARS = 2000;

  /** How much of stderr is read: enough for the quote, however many bytes its characters take. */
  private static final int STDERR_READ_BYTES = 4 * MAX_QUOTED_CHARS;

  /** How often a running tool's output size is checked. */
  private static final Duration POLL = Duration.ofMillis(50);

  private static final Logger log = LoggerFactory.getLogger(ExternalTool.class);

  /** What a tool printed, when it exited with code 0 (of stderr, the start, for messages). */
  record Output(byte[] stdout, String stderr) {
    String stdoutText() {
      return new String(stdout, StandardCharsets.UTF_8);
    }
  }

  private final Duration timeout;
  private final Duration killGrace;

  /**
   * @param timeout how long a run may take
   * @param killGrace how long a tool has to exit after SIGTERM before it gets SIGKILL
   */
  ExternalTool(Duration timeout, Duration killGrace) {
    this.timeout = timeout;
    this.killGrace = killGrace;
  }

  /**
   * Runs {@code command} with stdin from /dev/null.
   *
   * @param tool the tool as messages name it, e.g. "attestation policy tool /usr/bin/x (VARIABLE)"
   */
  Output run(String tool, List<String> command) throws ManagerException, InterruptedException {
    log.debug("running {}: {}", tool, command);
    Path stdout = null;
    Path stderr = null;
    try {
      stdout = Files.createTempFile("cocos-manager-tool-", ".stdout"); // mode 0600
      stderr = Files.createTempFile("cocos-manager-tool-", ".stderr");
      return run(tool, command, stdout, stderr);
    } catch (IOException e) {
      throw failure(tool + ": its output cannot be collected: " + e.getMessage());
    } finally {
      deleteQuietly(stdout);
      deleteQuietly(stderr);
    }
  }

  private Output run(String tool, List<String> command, Path stdout, Path stderr)
      throws ManagerException, InterruptedException, IOException {
    Process process;
    try {
      process =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectOutput(stdout.toFile())
              .redirectError(stderr.toFile())
              .start();
    } catch (IOException e) {
      throw failure(tool + " cannot be run: " + e.getMessage());
    }
    try {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!process.waitFor(
          Math.min(POLL.toNanos(), deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        if (printedTooMuch(stdout, stderr)) {
          stop(process);
          throw tooMuchOutput(tool, stderr);
        }
        if (System.nanoTime() - deadline >= 0) {
          stop(process);
          throw failure(
              tool
                  + " did not finish within "
                  + describe(timeout)
                  + " and was killed"
                  + stderrSuffix(stderrStart(stderr)));
        }
      }
      String errText = stderrStart(stderr);
      if (process.exitValue() != 0) {
        throw failure(tool + " exited with code " + process.exitValue() + stderrSuffix(errText));
      }
      if (Files.size(stdout) > MAX_OUTPUT_BYTES) {
        throw tooMuchOutput(tool, stderr);
      }
      return new Output(Files.readAllBytes(stdout), errText);
    } finally {
      if (process.isAlive()) {
        // Interrupted while waiting: the tool must not outlive the run.
        stop(process);
      }
    }
  }

  /**
   * SIGTERM to the process and its descendants; SIGKILL to whatever is left after the grace. An
   * interrupt does not cut the grace short (it is kept for the caller): a stop left half done would
   * leave a tool that ignores SIGTERM running.
   */
  private void stop(Process process) {
    // Descendants are listed first: once the tool dies, its children are no longer descendants.
    List<ProcessHandle> descendants = process.descendants().toList();
    descendants.forEach(ProcessHandle::destroy);
    process.destroy();
    if (!exitsWithinGrace(process)) {
      process.destroyForcibly();
    }
    descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    exitsWithinGrace(process);
  }

  /** Waits up to the kill grace, however often interrupted, for the process to exit. */
  private boolean exitsWithinGrace(Process process) {
    long deadline = System.nanoTime() + killGrace.toNanos();
    return Uninterruptibly.await(
        () -> process.waitFor(deadline - System.nanoTime(), TimeUnit.NANOSECONDS));
  }

  private static boolean printedTooMuch(Path stdout, Path stderr) throws IOException {
    return Files.size(stdout) > MAX_OUTPUT_BYTES || Files.size(stderr) > MAX_OUTPUT_BYTES;
  }

  private static ManagerException tooMuchOutput(String tool, Path stderr) throws IOException {
    return failure(
        tool
            + " printed more than "
            + (MAX_OUTPUT_BYTES >> 20)
            + " MiB"
            + stderrSuffix(stderrStart(stderr)));
  }

  /** The start of what the tool wrote to stderr. */
  private static String stderrStart(Path stderr) throws IOException {
    try (InputStream in = Files.newInputStream(stderr)) {
      return new String(in.readNBytes(STDERR_READ_BYTES), StandardCharsets.UTF_8);
    }
  }

  private static void deleteQuietly(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        log.warn("cannot delete the temporary file {}: {}", file, e.getMessage());
      }
    }
  }

  static ManagerException failure(String message) {
    return new ManagerException(ManagerException.Reason.FAILED_PRECONDITION, message);
  }

  /** "500ms" or "60s", as the timeout variable is written. */
  static String describe(Duration d) {
    return d.toMillis() % 1000 != 0 ? d.toMillis() + "ms" : d.toSeconds() + "s";
  }

  /** {@code "; stderr: <text on one line>"}, or {@code "; stderr empty"}. */
  static String stderrSuffix(String stderr) {
    return stderr.isBlank() ? "; stderr empty" : "; stderr: " + oneLine(stderr);
  }

  /** A tool's text on one line, control characters escaped, cut at {@link #MAX_QUOTED_CHARS}. */
  static String oneLine(String text) {
    String flat = ControlCharacters.escape(text.strip().replaceAll("\\s*\\R\\s*", " | "));
    return flat.length() > MAX_QUOTED_CHARS ? flat.substring(0, MAX_QUOTED_CHARS) + "…" : flat;
  }
}
