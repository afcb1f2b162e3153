package io.cocos.manager.core.console;

import io.cocos.manager.core.concurrent.DaemonThreads;
import io.cocos.manager.core.cvm.CvmLogContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows every CVM's console log file, hands each complete line to a listener, and keeps each file
 * under its size limit by rotating it ({@link ConsoleLog}). QEMU writes the file directly (no pipe
 * to the manager), so following it works the same for a CVM started by this manager and for one
 * adopted after a restart.
 *
 * <p>One thread polls all files, each through its own open {@link ConsoleCursor}; that is cheaper
 * than a thread each, and a poll of an unchanged file is one size() call. A console that has been
 * quiet for {@link #QUIET_POLLS} polls in a row is looked at only every {@link #QUIET_EVERY}th
 * poll, until it grows again: at 500 CVMs whose guests are up and silent, polling every file at the
 * full rate was most of the manager's idle CPU. The cost is that the first line after a quiet spell
 * reaches the manager's log and the CMS link up to {@code QUIET_EVERY} polls later; StreamLogs
 * followers read the file on their own and are not slowed. Memory: the polling thread's one read
 * buffer serves every console, so a followed console costs its cursor (two numbers, a lock, an open
 * file) and no buffer, whether it has something new or not. A poll reads at most {@link
 * #LINES_PER_POLL} lines or {@link #BYTES_PER_POLL} bytes of one file, so a flooding guest cannot
 * starve the others; a guest writing faster than that is followed from its recent end (the listener
 * misses lines, the file keeps them, and a warning says how much was skipped).
 *
 * <p>Thread-safety: the map of followed files is concurrent; each cursor is only touched by the
 * polling thread (it is opened by {@link #follow} before it is published in the map), which is also
 * the only thread that rotates.
 */
public final class ConsoleWatcher implements AutoCloseable {
  /** Receives console lines. Called from the watcher's thread; must not block for long. */
  @FunctionalInterface
  public interface LineListener {
    void onLine(String cvmId, String line);
  }

  static final int LINES_PER_POLL = 10_000;
  static final int BYTES_PER_POLL = 1 << 20;

  /** The polling thread's one read buffer, for all consoles. */
  private static final int READ_BUFFER = 64 * 1024;

  /** Past this many unread bytes, the watcher jumps to the recent end of a console. */
  static final long MAX_BEHIND = 4L << 20;

  private static final int LINES_AFTER_SKIP = 100;

  /**
   * Polls without anything new after which a console counts as quiet (5 s at the manager's 200 ms).
   */
  static final int QUIET_POLLS = 25;

  /** A quiet console is looked at every this many polls (1 s at the manager's 200 ms). */
  static final int QUIET_EVERY = 5;

  private static final Logger log = LoggerFactory.getLogger(ConsoleWatcher.class);

  private static final class Followed {
    final ConsoleLog log;
    final ConsoleCursor cursor;

    /** Polls in a row that found nothing new; written by the polling thread only. */
    volatile int quietPolls;

    Followed(ConsoleLog log, ConsoleCursor cursor) {
      this.log = log;
      this.cursor = cursor;
    }
  }

  private final LineListener listener;
  private final long maxFileSize;
  private final Map<String, Followed> followed = new ConcurrentHashMap<>();
  private final ScheduledExecutorService poller;

  /** Used by the polling thread only; holds no line past a poll. */
  private final byte[] buffer = new byte[READ_BUFFER];

  /** Counts the polls of all consoles; the polling thread's only. */
  private long pollRound;

  /** {@code maxFileSize}: console.log is rotated once it is larger. */
  public ConsoleWatcher(LineListener listener, Duration interval, long maxFileSize) {
    this.listener = listener;
    this.maxFileSize = maxFileSize;
    this.poller =
        Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("console-watcher"));
    poller.scheduleWithFixedDelay(
        this::pollAll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Follows a file from {@code offset} (0 for a new CVM, the current size for an adopted one). */
  public void follow(String cvmId, Path file, long offset) {
    ConsoleLog console = new ConsoleLog(file);
    try {
      followed.put(cvmId, new Followed(console, ConsoleCursor.at(console, offset)));
    } catch (IOException e) {
      log.warn("cannot follow the console of CVM {}: {}", cvmId, e.getMessage());
    }
  }

  /**
   * The console of a CVM as readers must see it: the one this watcher rotates while it follows the
   * CVM, else a log nobody rotates.
   */
  public ConsoleLog log(String cvmId, Path file) {
    Followed f = followed.get(cvmId);
    return f != null && f.log.file().equals(file) ? f.log : new ConsoleLog(file);
  }

  /** Whether the CVM's console is followed: from its QEMU's start until it has stopped. */
  public boolean follows(String cvmId) {
    return followed.containsKey(cvmId);
  }

  /** Whether the CVM's console counts as quiet, and is polled at the lower rate. */
  boolean isQuiet(String cvmId) {
    Followed f = followed.get(cvmId);
    return f != null && f.quietPolls >= QUIET_POLLS;
  }

  /**
   * Stops following, after handing over whatever was written up to now (a last partial line too).
   */
  public void stop(String cvmId) {
    Followed f = followed.remove(cvmId);
    if (f != null) {
      poller.submit(
          () -> {
            poll(cvmId, f, true);
            closeQuietly(f.cursor);
          });
    }
  }

  private void pollAll() {
    boolean quietOnesToo = ++pollRound % QUIET_EVERY == 0;
    followed.forEach(
        (cvmId, f) -> {
          if (quietOnesToo || f.quietPolls < QUIET_POLLS) {
            poll(cvmId, f, false);
          }
        });
  }

  private void poll(String cvmId, Followed f, boolean last) {
    try {
      long behind = f.cursor.behind();
      f.quietPolls = behind > 0 ? 0 : f.quietPolls + 1;
      if (behind > MAX_BEHIND) {
        f.cursor.skipToTail(LINES_AFTER_SKIP);
      }
      List<String> lines = new ArrayList<>();
      // behind() first: a console with nothing new costs no read
      for (int chunk = 0;
          chunk < BYTES_PER_POLL / READ_BUFFER
              && lines.size() < LINES_PER_POLL
              && f.cursor.behind() > 0;
          chunk++) {
        if (f.cursor.read(
                buffer,
                LINES_PER_POLL - lines.size(),
                last,
                (bytes, from, to) ->
                    lines.add(new String(bytes, from, to - from, StandardCharsets.UTF_8)))
            == 0) {
          break;
        }
      }
      long skipped = f.cursor.takeSkipped();
      if (skipped > 0) {
        try (var context = CvmLogContext.of(cvmId)) {
          log.warn(
              "console of CVM {}: {} bytes not handed to the manager's log and the CMS link (written faster than"
                  + " they are followed); StreamLogs and {} have the recent ones",
              cvmId,
              skipped,
              f.log.file());
        }
      }
      for (String line : lines) {
        emit(cvmId, line);
      }
      if (!last && behind > 0) {
        // a file that has not grown since the last poll is no larger than it was then
        f.log.rotateIfLargerThan(maxFileSize);
      }
    } catch (IOException e) {
      try (var context = CvmLogContext.of(cvmId)) {
        log.warn("cannot read or rotate the console of CVM {}: {}", cvmId, e.toString());
      }
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
    followed.values().forEach(f -> closeQuietly(f.cursor));
  }

  private static void closeQuietly(ConsoleCursor cursor) {
    try {
      cursor.close();
    } catch (IOException e) {
      // nothing more to read from it
    }
  }
}
