package io.cocos.manager.core.console;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows every CVM's console log file and hands each complete line to a listener. QEMU writes
 * the file directly (no pipe to the manager), so following it works the same for a CVM started
 * by this manager and for one adopted after a restart.
 *
 * <p>One thread polls all files, each through its own open {@link ConsoleCursor} (bounded memory,
 * long lines cut); with a few dozen CVMs that is cheaper than a thread each, and a poll of an
 * unchanged file is one size() call. A poll reads at most {@link #LINES_PER_POLL} lines of one
 * file, so a flooding guest cannot starve the others.
 *
 * <p>Thread-safety: the map of followed files is concurrent; each cursor is only touched by the
 * polling thread (it is opened by {@link #follow} before it is published in the map).
 */
public final class ConsoleWatcher implements AutoCloseable {
  /** Receives console lines. Called from the watcher's thread; must not block for long. */
  @FunctionalInterface
  public interface LineListener {
    void onLine(String cvmId, String line);
  }

  static final int LINES_PER_POLL = 10_000;
  private static final Logger log = LoggerFactory.getLogger(ConsoleWatcher.class);

  private final LineListener listener;
  private final Map<String, ConsoleCursor> followed = new ConcurrentHashMap<>();
  private final ScheduledExecutorService poller;

  public ConsoleWatcher(LineListener listener, Duration interval) {
    this.listener = listener;
    this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "console-watcher");
      t.setDaemon(true);
      return t;
    });
    poller.scheduleWithFixedDelay(this::pollAll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Follows a file from {@code offset} (0 for a new CVM, the current size for an adopted one). */
  public void follow(String cvmId, Path file, long offset) {
    try {
      followed.put(cvmId, ConsoleCursor.at(file, offset));
    } catch (IOException e) {
      log.warn("cannot follow the console of CVM {}: {}", cvmId, e.getMessage());
    }
  }

  /** Stops following, after handing over whatever was written up to now (a last partial line too). */
  public void stop(String cvmId) {
    ConsoleCursor cursor = followed.remove(cvmId);
    if (cursor != null) {
      poller.submit(() -> {
        poll(cvmId, cursor, true);
        closeQuietly(cursor);
      });
    }
  }

  private void pollAll() {
    followed.forEach((cvmId, cursor) -> poll(cvmId, cursor, false));
  }

  private void poll(String cvmId, ConsoleCursor cursor, boolean last) {
    try {
      for (String line : cursor.read(LINES_PER_POLL, last)) {
        emit(cvmId, line);
      }
    } catch (IOException e) {
      log.warn("cannot read console of CVM {}: {}", cvmId, e.getMessage());
    }
  }

  private void emit(String cvmId, String line) {
    try {
      listener.onLine(cvmId, line);
    } catch (RuntimeException e) {
      log.warn("console listener failed for CVM {}: {}", cvmId, e.toString());
    }
  }

  @Override
  public void close() {
    poller.shutdownNow();
    followed.values().forEach(ConsoleWatcher::closeQuietly);
  }

  private static void closeQuietly(ConsoleCursor cursor) {
    try {
      cursor.close();
    } catch (IOException e) {
      // nothing more to read from it
    }
  }
}
