package io.cocos.manager.core.console;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.Lock;

/**
 * Reads a CVM's console ({@link ConsoleLog}) line by line from a position, for one reader, across
 * rotations: when console.log was rotated since the last read, the cursor finishes the rotated copy
 * from where it was, then goes on in the new console.log; what it could not read (a reader a whole
 * rotation behind) is counted in {@link #takeSkipped}. console.log stays open, so a CVM removed
 * (and its file deleted) while being read can still be read to its end.
 *
 * <p>Memory between reads: two file handles and a few numbers. A read fills the caller's buffer and
 * hands over its lines as ranges of it; a line not yet complete is not kept but read again next
 * time (a line longer than {@link #MAX_LINE} bytes is cut into pieces).
 *
 * <p>Not thread-safe: one cursor belongs to one reader. Reads hold the log's shared lock, so they
 * never see a rotation half done.
 */
public final class ConsoleCursor implements AutoCloseable {
  /** Longer lines are cut into pieces of this many bytes. */
  public static final int MAX_LINE = 8192;

  /** Receives each line read, as bytes (UTF-8 as the guest wrote it, carriage returns removed). */
  @FunctionalInterface
  public interface LineSink {
    /** The line is {@code bytes[from, to)} of the buffer given to {@link #read}. */
    void line(byte[] bytes, int from, int to);
  }

  private final ConsoleLog log;
  private final Lock lock;

  /** console.log, open for the cursor's life. */
  private final FileChannel current;

  /** Absolute position of {@link #current}'s first byte, as of the last look at the log. */
  private long currentBase;

  /** console.log.1 while this cursor finishes reading what a rotation moved there; else null. */
  private FileChannel rotated;

  private long rotatedBase;

  /** Absolute position of the next byte to read (see {@link ConsoleLog}). */
  private long position;

  /** Bytes passed over and not yet reported by {@link #takeSkipped}. */
  private long skipped;

  private ConsoleCursor(ConsoleLog log, FileChannel current) {
    this.log = log;
    this.lock = log.readLock();
    this.current = current;
    this.currentBase = log.base();
  }

  /**
   * A cursor at the start of the last {@code lines} lines of the console (0: at its end); when
   * console.log holds fewer, the rest comes from the rotated copy.
   */
  public static ConsoleCursor atTail(ConsoleLog log, long lines) throws IOException {
    return open(log, cursor -> cursor.placeAtTail(lines));
  }

  /**
   * A cursor at a byte position of console.log (its start for a new CVM, its end for an adopted
   * one).
   */
  public static ConsoleCursor at(ConsoleLog log, long offset) throws IOException {
    return open(log, cursor -> cursor.position = cursor.currentBase + offset);
  }

  /**
   * A cursor at an absolute position (as {@link #position} reports it), clamped to what is on disk:
   * a position rotated away starts at the oldest byte kept, and counts what it missed as skipped; a
   * position past the end starts at the end.
   */
  public static ConsoleCursor atPosition(ConsoleLog log, long position) throws IOException {
    return open(log, cursor -> cursor.placeAt(position));
  }

  /** Absolute position of the next byte this cursor reads. */
  public long position() {
    return position;
  }

  private interface Placement {
    void place(ConsoleCursor cursor) throws IOException;
  }

  private static ConsoleCursor open(ConsoleLog log, Placement placement) throws IOException {
    log.readLock().lock();
    try {
      FileChannel channel = FileChannel.open(log.file(), StandardOpenOption.READ);
      ConsoleCursor cursor = new ConsoleCursor(log, channel);
      try {
        placement.place(cursor);
        return cursor;
      } catch (IOException | RuntimeException e) {
        cursor.close();
        throw e;
      }
    } finally {
      log.readLock().unlock();
    }
  }

  /** Bytes written to the console that this cursor has not read yet. */
  public long behind() throws IOException {
    lock.lock();
    try {
      followRotation();
      return Math.max(0, currentBase + current.size() - position);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Skips to the start of the last {@code lines} lines of console.log; what it passes over counts
   * as skipped.
   */
  public void skipToTail(long lines) throws IOException {
    lock.lock();
    try {
      followRotation();
      long target = currentBase + ConsoleBytes.startOfLastLines(current, current.size(), lines)[0];
      if (target > position) {
        skipped += target - position;
        position = target;
        closeRotated();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Bytes skipped since the last call: before the lines read since (rotated away unread, or {@link
   * #skipToTail}).
   */
  public long takeSkipped() {
    long s = skipped;
    skipped = 0;
    return s;
  }

  /**
   * Complete lines from the current position, read as one chunk of at most {@code buffer.length}
   * bytes, at most {@code maxLines} of them, each handed to {@code sink} as a range of {@code
   * buffer} (no copy, no decoding: the bytes as the guest wrote them, carriage returns removed in
   * place). The chunk is split at its last newline; what follows is read again next time, unless
   * {@code flush} (the writer has ended) and the chunk reached the file's end, when it counts as a
   * last line. A line longer than {@link #MAX_LINE} is cut into pieces, at a UTF-8 character
   * boundary, so that each piece of valid UTF-8 text is valid on its own.
   *
   * <p>The caller owns the buffer (one per reader thread, or a fresh one per message when the lines
   * must outlive the call); the cursor keeps none. Returns the number of lines: 0 only when nothing
   * complete is there.
   */
  public int read(byte[] buffer, int maxLines, boolean flush, LineSink sink) throws IOException {
    if (buffer.length <= MAX_LINE) {
      throw new IllegalArgumentException(
          "a read buffer must hold more than a line's " + MAX_LINE + " bytes");
    }
    lock.lock();
    try {
      followRotation();
      return readChunk(buffer, maxLines, flush, sink);
    } finally {
      lock.unlock();
    }
  }

  private int readChunk(byte[] buffer, int maxLines, boolean flush, LineSink sink)
      throws IOException {
    while (true) {
      boolean inRotated = rotated != null;
      int n =
          inRotated && position >= currentBase
              ? 0
              : ConsoleBytes.fill(
                  inRotated ? rotated : current,
                  buffer,
                  position - (inRotated ? rotatedBase : currentBase));
      if (n > 0) {
        // The end of the rotated copy ends its last line: what followed went to console.log.
        return split(buffer, n, maxLines, (flush || inRotated) && n < buffer.length, sink);
      }
      if (!inRotated) {
        return 0;
      }
      closeRotated(); // the rotated copy is read; console.log continues it
      skipped += Math.max(0, currentBase - position); // a copy shorter than recorded: what it lacks
      position = currentBase;
    }
  }

  /**
   * Hands over the lines of {@code buffer[0, n)} and moves the position past them; {@code
   * endIsLineEnd}: a trailing partial line is a line too.
   */
  private int split(byte[] buffer, int n, int maxLines, boolean endIsLineEnd, LineSink sink) {
    int lines = 0;
    int lineStart = 0;
    // carriage returns are rare: no line of a chunk without any is searched for them
    int nextCr = ConsoleBytes.indexOf(buffer, (byte) '\r', 0, n);
    while (lines < maxLines && lineStart < n) {
      int newline =
          ConsoleBytes.indexOf(
              buffer, (byte) '\n', lineStart, Math.min(n, lineStart + MAX_LINE + 1));
      int lineEnd;
      int next;
      if (newline >= 0) {
        lineEnd = newline;
        next = newline + 1;
      } else if (lineStart + MAX_LINE < n) {
        lineEnd = ConsoleBytes.characterStart(buffer, lineStart + MAX_LINE, lineStart);
        next = lineEnd;
      } else if (endIsLineEnd) {
        lineEnd = n;
        next = n;
      } else {
        break; // a partial line: read again once it is complete
      }
      if (nextCr >= 0 && nextCr < lineEnd) {
        sink.line(buffer, lineStart, ConsoleBytes.withoutCarriageReturns(buffer, nextCr, lineEnd));
        nextCr = ConsoleBytes.indexOf(buffer, (byte) '\r', next, n);
      } else {
        sink.line(buffer, lineStart, lineEnd);
      }
      lineStart = next;
      lines++;
    }
    position += lineStart;
    return lines;
  }

  /** Under the shared lock: takes notice of rotations since the last look. */
  private void followRotation() throws IOException {
    long base = log.base();
    if (base == currentBase) {
      return;
    }
    closeRotated();
    currentBase = base;
    if (position >= base) {
      return; // everything before the rotation was read
    }
    long oldest = log.rotatedBase();
    if (position < oldest) {
      // rotated away twice before this cursor came back, or dropped (see ConsoleLog)
      skipped += oldest - position;
      position = oldest;
    }
    if (position == base) {
      return; // no rotated copy to finish
    }
    try {
      rotated = FileChannel.open(log.rotatedFile(), StandardOpenOption.READ);
      rotatedBase = oldest;
    } catch (IOException e) {
      skipped += base - position;
      position = base;
    }
  }

  /** Places a new cursor at an absolute position; see {@link #atPosition}. */
  private void placeAt(long target) throws IOException {
    long end = currentBase + current.size();
    if (target >= currentBase) {
      position = Math.min(target, end);
      return;
    }
    long copyLength = currentBase - log.rotatedBase();
    FileChannel copy = null;
    if (copyLength > 0) {
      try {
        copy = FileChannel.open(log.rotatedFile(), StandardOpenOption.READ);
      } catch (IOException e) {
        copy = null; // no rotated copy: console.log is all there is
      }
    }
    long oldest = copy == null ? currentBase : currentBase - Math.min(copy.size(), copyLength);
    if (target < oldest) {
      skipped += oldest - target;
    }
    position = Math.max(target, oldest);
    if (copy != null && position < currentBase) {
      rotated = copy;
      rotatedBase = oldest;
    } else if (copy != null) {
      copy.close();
    }
  }

  /**
   * Places a new cursor at the last {@code lines} lines: console.log's, then the rotated copy's.
   */
  private void placeAtTail(long lines) throws IOException {
    long size = current.size();
    long copyLength = currentBase - log.rotatedBase();
    // A line takes at least a byte (its newline), so a tail of more lines than both files hold
    // bytes (tail 2^32-1: "all of it") starts at the very beginning: no need to count the lines.
    boolean all = lines > size + copyLength;
    long[] start = all ? new long[] {0, 0} : ConsoleBytes.startOfLastLines(current, size, lines);
    position = currentBase + start[0];
    long missing = lines - start[1];
    if (start[0] > 0 || missing <= 0 || copyLength <= 0) {
      return;
    }
    FileChannel copy;
    try {
      copy = FileChannel.open(log.rotatedFile(), StandardOpenOption.READ);
    } catch (IOException e) {
      return; // no rotated copy: console.log's lines are all there are
    }
    long length = Math.min(copy.size(), copyLength);
    rotated = copy;
    rotatedBase = currentBase - length;
    position = rotatedBase + (all ? 0 : ConsoleBytes.startOfLastLines(copy, length, missing)[0]);
  }

  private void closeRotated() throws IOException {
    if (rotated != null) {
      rotated.close();
      rotated = null;
    }
  }

  @Override
  public void close() throws IOException {
    try {
      closeRotated();
    } finally {
      current.close();
    }
  }
}
