package io.cocos.manager.qemu;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * QEMU's version as it prints it ("QEMU emulator version 7.2.22 (Debian ...)"): the first line of
 * {@code BIN --version}, run once, on first use, bounded in time. Run without sudo: --version needs
 * no privilege. Empty when QEMU cannot say (missing, hung, no output); not retried.
 *
 * <p>Thread-safety: the first callers wait on this object's monitor while QEMU runs (at most {@link
 * #TIMEOUT}); afterwards the answer is read without running anything.
 */
final class QemuVersion {
  private static final Logger log = LoggerFactory.getLogger(QemuVersion.class);
  static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final int MAX_LINE = 200;

  private final String binary;
  private volatile String version;

  QemuVersion(String binary) {
    this.binary = binary;
  }

  String get() {
    String v = version;
    if (v == null) {
      synchronized (this) {
        if (version == null) {
          version = ask(binary);
        }
        v = version;
      }
    }
    return v;
  }

  static String ask(String binary) {
    Process process;
    try {
      process =
          new ProcessBuilder(List.of(binary, "--version"))
              .redirectErrorStream(true)
              .redirectInput(ProcessBuilder.Redirect.PIPE)
              .start();
    } catch (IOException e) {
      log.warn("cannot run {} --version: {}", binary, e.getMessage());
      return "";
    }
    try {
      process.getOutputStream().close();
      if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("{} --version did not answer within {}s", binary, TIMEOUT.toSeconds());
        return "";
      }
      try (BufferedReader out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line = out.readLine();
        if (line == null || process.exitValue() != 0) {
          return "";
        }
        line = line.strip();
        return line.length() > MAX_LINE ? line.substring(0, MAX_LINE) : line;
      }
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    } finally {
      process.destroyForcibly();
    }
  }
}
