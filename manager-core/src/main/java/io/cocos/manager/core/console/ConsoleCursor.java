package io.cocos.manager.core.console;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Lock;

/**
 * Reads a CVM's console ({@link ConsoleLog}) line by line from a position, for one reader, across
 * rotations: when console.log was rotated since the last read, the cursor finishes the rotated
 * copy from where it was, then goes on in the new console.log; what it could not read (a reader a
 * whole rotation behind) is counted in {@link #takeSkipped}. console.log stays open, so a CVM
 * removed (and its file deleted) while being read can still be read to its end.
 *
 * <p>Memory between reads: two file handles and a few numbers. A read allocates its buffer and
 * returns its lines; a line not yet complete is not kept but read again next time (a line longer
 * than {@link #MAX_LINE} bytes is cut into pieces).
 *
 * <p>Not thread-safe: one cursor belongs to one reader. Reads hold the log's shared lock, so they
 * never see a rotation half done.
 */
public final class ConsoleCursor implements AutoCloseable {
  /** Longer lines are cut into pieces of this many bytes. */
  public static final int MAX_LINE = 8192;
  private static final int READ_SIZE = 64 * 1024;

  /** Receives each line read, as bytes (UTF-8 as the guest wrote it, carriage returns removed). */
  @FunctionalInterface
  public interface LineSink {
    /** The line is {@code bytes[from, to)}; the array is reused once this returns. */
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

  /** A cursor at a byte position of console.log (its start for a new CVM, its end for an adopted one). */
  public static ConsoleCursor at(ConsoleLog log, long offset) throws IOException {
    return open(log, cursor -> cursor.position = cursor.currentBase + offset);
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

  /** Skips to the start of the last {@code lines} lines of console.log; what it passes over counts as skipped. */
  public void skipToTail(long lines) throws IOException {
    lock.lock();
    try {
      followRotation();
      long target = currentBase + startOfLastLines(current, current.size(), lines)[0];
      if (target > position) {
        skipped += target - position;
        position = target;
        closeRotated();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Bytes skipped since the last call: before the lines read since (rotated away unread, or {@link #skipToTail}). */
  public long takeSkipped() {
    long s = skipped;
    skipped = 0;
    return s;
  }

  /**
   * Complete lines from the current position, at most {@code maxLines} and about {@code maxBytes}
   * of text (each line counts its length plus one; the last line may pass the limit). A trailing
   * partial line is left for the next call unless {@code flush} (the writer has ended).
   */
  public List<String> read(int maxLines, int maxBytes, boolean flush) throws IOException {
    List<String> lines = new ArrayList<>();
    read(maxLines, maxBytes, flush, (bytes, from, to) -> lines.add(new String(bytes, from, to - from, StandardCharsets.UTF_8)));
    return lines;
  }

  /**
   * The same, handing each line to {@code sink} as bytes (no String made when the caller wants
   * bytes, as a protobuf message does); returns the number of lines.
   */
  public int read(int maxLines, int maxBytes, boolean flush, LineSink sink) throws IOException {
    lock.lock();
    try {
      followRotation();
      return readLines(maxLines, maxBytes, flush, sink);
    } finally {
      lock.unlock();
    }
  }

  private int readLines(int maxLines, int maxBytes, boolean flush, LineSink sink) throws IOException {
    int lines = 0;
    byte[] buffer = null;
    long bytes = 0;
    while (lines < maxLines && bytes < maxBytes) {
      boolean inRotated = rotated != null;
      FileChannel channel = inRotated ? rotated : current;
      long offset = position - (inRotated ? rotatedBase : currentBase);
      if (buffer == null) {
        buffer = new byte[READ_SIZE];
      }
      int n = inRotated && position >= currentBase ? 0 : channel.read(ByteBuffer.wrap(buffer), offset);
      if (n <= 0) {
        if (!inRotated) {
          break;
        }
        closeRotated(); // the rotated copy is read; console.log continues it
        skipped += Math.max(0, currentBase - position); // a copy shorter than recorded: what it lacks
        position = currentBase;
        continue;
      }
      int lineStart = 0;
      boolean cr = false;
      for (int i = 0; i < n && lines < maxLines && bytes < maxBytes; i++) {
        byte b = buffer[i];
        if (b == '\n') {
          bytes += emit(sink, buffer, lineStart, i, cr);
          lines++;
          lineStart = i + 1;
          cr = false;
        } else {
          cr |= b == '\r';
          if (i + 1 - lineStart >= MAX_LINE) {
            bytes += emit(sink, buffer, lineStart, i + 1, cr);
            lines++;
            lineStart = i + 1;
            cr = false;
          }
        }
      }
      position += lineStart;
      if (lineStart == 0) {
        // Only a partial line is left (shorter than MAX_LINE, so this read reached the end): it is
        // complete when the writer has ended, or when it ends the rotated copy.
        if (!flush && !inRotated) {
          break;
        }
        emit(sink, buffer, 0, n, true);
        lines++;
        position += n;
      }
    }
    return lines;
  }

  /** Hands over buffer[from, to) without its carriage returns; returns the bytes it counts for. */
  private static int emit(LineSink sink, byte[] buffer, int from, int to, boolean cr) {
    if (!cr) {
      sink.line(buffer, from, to);
    } else {
      byte[] kept = new byte[to - from];
      int k = 0;
      for (int i = from; i < to; i++) {
        if (buffer[i] != '\r') {
          kept[k++] = buffer[i];
        }
      }
      sink.line(kept, 0, k);
    }
    return to - from + 1;
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

  /** Places a new cursor at the last {@code lines} lines: console.log's, then the rotated copy's. */
  private void placeAtTail(long lines) throws IOException {
    long[] start = startOfLastLines(current, current.size(), lines);
    position = currentBase + start[0];
    long missing = lines - start[1];
    if (start[0] > 0 || missing <= 0 || log.rotatedBase() >= currentBase) {
      return;
    }
    FileChannel copy;
    try {
      copy = FileChannel.open(log.rotatedFile(), StandardOpenOption.READ);
    } catch (IOException e) {
      return; // no rotated copy: console.log's lines are all there are
    }
    long length = Math.min(copy.size(), currentBase - log.rotatedBase());
    rotated = copy;
    rotatedBase = currentBase - length;
    position = rotatedBase + startOfLastLines(copy, length, missing)[0];
  }

  /**
   * Where the last {@code lines} lines of the first {@code end} bytes start, scanning backwards in
   * blocks, and how many lines that is (fewer than asked when the file starts first); a trailing
   * newline does not count as an empty last line.
   */
  static long[] startOfLastLines(FileChannel channel, long end, long lines) throws IOException {
    if (lines <= 0 || end == 0) {
      return new long[] {end, 0};
    }
    ByteBuffer block = ByteBuffer.allocate(READ_SIZE);
    long at = end;
    long newlines = 0;
    while (at > 0) {
      int size = (int) Math.min(READ_SIZE, at);
      block.clear().limit(size);
      channel.read(block, at - size);
      for (int i = size - 1; i >= 0; i--) {
        if (block.get(i) == '\n') {
          if (at - size + i == end - 1) {
            continue;
          }
          if (++newlines == lines) {
            return new long[] {at - size + i + 1, lines};
          }
        }
      }
      at -= size;
    }
    return new long[] {0, newlines + 1};
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
