package io.cocos.manager.core.console;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One CVM's console files: {@code console.log}, which QEMU appends to through an O_APPEND stdout,
 * and {@code console.log.1}, the one rotated copy kept. QEMU owns its file descriptor (no pipe, so
 * QEMU outlives a manager restart), so rotation happens from outside: the content is copied to
 * {@code console.log.1} and {@code console.log} truncated to 0; QEMU's next append lands at the new
 * end.
 *
 * <p>Readers ({@link ConsoleCursor}) see one stream of absolute positions: {@link #base} is where
 * the current {@code console.log} starts in it, {@link #rotatedBase} where {@code console.log.1}
 * starts. A rotation moves both forward, so a cursor can tell it happened, finish the rotated copy
 * from where it was, and count what it could not read.
 *
 * <p>Locking: {@link #lock} is a read-write lock over "the files and the two bases agree". A cursor
 * holds it shared while it looks at the bases and reads; a rotation holds it exclusively only for
 * its last step (copy what was written since the bulk copy, truncate, move the bases), never during
 * the bulk copy, so readers wait for microseconds to milliseconds, not for a copy of the whole
 * file.
 *
 * <p>Residual loss: bytes QEMU appends between the rotation's last size check and the truncate
 * (both under the lock, back to back, so a few microseconds) are in neither file.
 */
public final class ConsoleLog {
  /** The bulk copy stops when less than this is left; the rest is copied under the lock. */
  private static final long SMALL_REMAINDER = 256 * 1024;

  private final Path file;
  private final Path rotated;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private long base;
  private long rotatedBase;

  public ConsoleLog(Path file) {
    this.file = file;
    this.rotated = file.resolveSibling(file.getFileName() + ".1");
    // A rotated copy left by an earlier manager holds what came just before console.log.
    long leftOver;
    try {
      leftOver = Files.size(rotated);
    } catch (IOException e) {
      leftOver = 0;
    }
    this.rotatedBase = -leftOver;
  }

  public Path file() {
    return file;
  }

  public Path rotatedFile() {
    return rotated;
  }

  Lock readLock() {
    return lock.readLock();
  }

  /** Absolute position of console.log's first byte; read under {@link #readLock}. */
  long base() {
    return base;
  }

  /**
   * Absolute position just after the last byte written so far: the console's logical size, which
   * only grows (rotation moves bytes, it does not take them away from the count).
   */
  public long end() throws IOException {
    lock.readLock().lock();
    try {
      return base + Files.size(file);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Absolute position of console.log.1's first byte (its length is {@code base - rotatedBase}). */
  long rotatedBase() {
    return rotatedBase;
  }

  /**
   * Rotates when console.log is larger than {@code maxSize}: replaces console.log.1 with its
   * content and truncates it. Returns the bytes moved, 0 when the file was small enough. Called by
   * one thread at a time (the console watcher's).
   */
  public long rotateIfLargerThan(long maxSize) throws IOException {
    if (Files.size(file) <= maxSize) {
      return 0;
    }
    try (FileChannel source =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      // The old copy goes first, so the disk holds at most two files' worth at any moment. A cursor
      // still reading it has it open; one that lags a whole generation behind counts it as skipped.
      FileChannel target;
      long copied;
      try {
        Files.deleteIfExists(rotated);
        target = FileChannel.open(rotated, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      } catch (IOException e) {
        throw truncateWithoutCopy(source, e);
      }
      try {
        copied = copyUntilAlmostStable(source, target);
      } catch (IOException e) {
        target.close();
        throw truncateWithoutCopy(source, e);
      }
      lock.writeLock().lock();
      try (target) {
        // Under the lock: what QEMU wrote during the bulk copy, until the size holds still, then
        // the truncate right after the last size check.
        long end;
        while ((end = source.size()) > copied) {
          copied += copy(source, target, copied, end);
        }
        source.truncate(0);
        rotatedBase = base;
        base += copied;
        return copied;
      } catch (IOException e) {
        throw truncateWithoutCopy(source, e);
      } finally {
        lock.writeLock().unlock();
      }
    }
  }

  /**
   * The copy failed (the disk is full, most likely because of this very console, or the copy's name
   * is taken by something that cannot be replaced): the content goes, so that the console stays
   * bounded and the disk usable; readers count it as skipped.
   */
  private IOException truncateWithoutCopy(FileChannel source, IOException cause)
      throws IOException {
    lock.writeLock().lock();
    try {
      try {
        Files.deleteIfExists(rotated); // a partial copy is no use
      } catch (IOException e) {
        // what is there stays; readers never open it (nothing of it lies between the bases)
      }
      long size = source.size();
      source.truncate(0);
      base += size;
      rotatedBase = base;
      return new IOException(
          "console.log truncated without a rotated copy ("
              + size
              + " bytes dropped): copying it to "
              + rotated.getFileName()
              + " failed: "
              + cause.getMessage(),
          cause);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Copies from the start until less than {@link #SMALL_REMAINDER} is left (a bounded number of
   * rounds).
   */
  private static long copyUntilAlmostStable(FileChannel source, FileChannel target)
      throws IOException {
    long copied = 0;
    for (int round = 0; round < 8; round++) {
      long end = source.size();
      if (end - copied < SMALL_REMAINDER) {
        break;
      }
      copied += copy(source, target, copied, end);
    }
    return copied;
  }

  private static long copy(FileChannel source, FileChannel target, long from, long to)
      throws IOException {
    long done = 0;
    while (from + done < to) {
      long n = source.transferTo(from + done, to - from - done, target);
      if (n <= 0) {
        break; // the file shrank under us: nobody else truncates it, so this is the end
      }
      done += n;
    }
    return done;
  }
}
