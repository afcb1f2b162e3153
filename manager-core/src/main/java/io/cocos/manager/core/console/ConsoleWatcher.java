package io.cocos.manager.core.console;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 * <p>One thread polls all files; with a few dozen CVMs that is cheaper than a thread each, and a
 * poll of an unchanged file is one size() call. A line longer than {@link #MAX_LINE} bytes is cut
 * into pieces so a guest writing without newlines cannot grow the manager's memory.
 *
 * <p>Thread-safety: the map of followed files is concurrent; each file's read position is only
 * touched by the polling thread, or by {@link #stop} after its task was removed from the map.
 */
public final class ConsoleWatcher implements AutoCloseable {
  /** Receives console lines. Called from the watcher's thread; must not block for long. */
  @FunctionalInterface
  public interface LineListener {
    void onLine(String cvmId, String line);
  }

  static final int MAX_LINE = 8192;
  private static final Logger log = LoggerFactory.getLogger(ConsoleWatcher.class);

  private final LineListener listener;
  private final Map<String, Followed> followed = new ConcurrentHashMap<>();
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
    followed.put(cvmId, new Followed(cvmId, file, offset));
  }

  /** Stops following, after handing over whatever was written up to now (a last partial line too). */
  public void stop(String cvmId) {
    Followed f = followed.remove(cvmId);
    if (f != null) {
      poller.submit(() -> {
        f.poll();
        f.flushPartial();
      });
    }
  }

  private void pollAll() {
    for (Followed f : followed.values()) {
      f.poll();
    }
  }

  @Override
  public void close() {
    poller.shutdownNow();
  }

  private final class Followed {
    private final String cvmId;
    private final Path file;
    private long position;
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    private final java.io.ByteArrayOutputStream partial = new java.io.ByteArrayOutputStream();

    Followed(String cvmId, Path file, long position) {
      this.cvmId = cvmId;
      this.file = file;
      this.position = position;
    }

    void poll() {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
        if (ch.size() < position) {
          position = 0; // truncated or replaced: start over
        }
        while (position < ch.size()) {
          buffer.clear();
          int n = ch.read(buffer, position);
          if (n <= 0) {
            break;
          }
          position += n;
          split(buffer.array(), n);
        }
      } catch (NoSuchFileException e) {
        // not created yet, or already removed with the CVM
      } catch (IOException e) {
        log.warn("cannot read console of CVM {}: {}", cvmId, e.getMessage());
      }
    }

    private void split(byte[] bytes, int length) {
      for (int i = 0; i < length; i++) {
        byte b = bytes[i];
        if (b == '\n') {
          emit();
        } else if (b != '\r') {
          partial.write(b);
          if (partial.size() >= MAX_LINE) {
            emit();
          }
        }
      }
    }

    void flushPartial() {
      if (partial.size() > 0) {
        emit();
      }
    }

    private void emit() {
      String line = partial.toString(StandardCharsets.UTF_8);
      partial.reset();
      try {
        listener.onLine(cvmId, line);
      } catch (RuntimeException e) {
        log.warn("console listener failed for CVM {}: {}", cvmId, e.toString());
      }
    }
  }
}
