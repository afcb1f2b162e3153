package io.cocos.manager.core.console;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Pages of a CVM's console, for a reader that shows the end first and goes back on demand (the web
 * console): a page is whole lines, at most a given number of bytes, ending at the console's end or
 * at an absolute position an earlier page started at. Positions are {@link ConsoleLog}'s absolute
 * ones, so a page's start stays valid across rotations (until the bytes are rotated away twice).
 *
 * <p>One page is one read of at most {@code maxBytes + 1} bytes under the log's shared lock, so a
 * rotation cannot move the files between looking at the bases and reading.
 */
public final class ConsolePages {
  private ConsolePages() {}

  /**
   * Lines of the console: {@code start} is the absolute position of the first one's first byte,
   * {@code end} the position after the last one's newline, {@code first} the oldest position still
   * on disk. Lines are decoded as UTF-8 with malformed bytes replaced, carriage returns removed.
   */
  public record Page(long start, long end, long first, List<String> lines) {}

  /**
   * The page ending at {@code before} (clamped to what is on disk), or at the console's end when
   * absent; at most {@code maxBytes} bytes, cut after its last newline and at the first line start
   * (a page that holds no newline at all, one line longer than {@code maxBytes}, is kept whole).
   */
  public static Page read(ConsoleLog log, OptionalLong before, int maxBytes) throws IOException {
    if (maxBytes < 1) {
      throw new IllegalArgumentException("maxBytes must be positive");
    }
    byte[] bytes;
    long readFrom;
    long first;
    long from;
    log.readLock().lock();
    try (FileChannel current = FileChannel.open(log.file(), StandardOpenOption.READ)) {
      long base = log.base();
      long end = base + current.size();
      FileChannel copy = openCopy(log, base);
      try {
        long copyLength = copy == null ? 0 : Math.min(copy.size(), base - log.rotatedBase());
        first = base - copyLength;
        long pageEnd = Math.max(first, Math.min(before.orElse(end), end));
        from = Math.max(first, pageEnd - maxBytes);
        // one byte more, to tell whether the page starts at a line start
        readFrom = from > first ? from - 1 : from;
        bytes = new byte[(int) (pageEnd - readFrom)];
        if (readFrom < base) {
          fill(copy, bytes, 0, readFrom - first, (int) Math.min(bytes.length, base - readFrom));
        }
        int inCurrent = (int) Math.max(0, pageEnd - Math.max(readFrom, base));
        fill(current, bytes, bytes.length - inCurrent, Math.max(readFrom, base) - base, inCurrent);
      } finally {
        if (copy != null) {
          copy.close();
        }
      }
    } finally {
      log.readLock().unlock();
    }
    int startIndex = 0;
    if (readFrom < from) {
      int newline = ConsoleBytes.indexOf(bytes, (byte) '\n', 0, bytes.length);
      startIndex = newline >= 0 && newline + 1 < bytes.length ? newline + 1 : 1;
    }
    int endIndex = bytes.length;
    int lastNewline = lastIndexOf(bytes, (byte) '\n', startIndex);
    if (lastNewline >= 0) {
      endIndex = lastNewline + 1;
    } else if (bytes.length - 1 < maxBytes) {
      endIndex = startIndex; // only the start of a line not yet complete
    }
    return new Page(
        readFrom + startIndex, readFrom + endIndex, first, lines(bytes, startIndex, endIndex));
  }

  private static FileChannel openCopy(ConsoleLog log, long base) {
    if (base - log.rotatedBase() <= 0) {
      return null;
    }
    try {
      return FileChannel.open(log.rotatedFile(), StandardOpenOption.READ);
    } catch (IOException e) {
      return null; // no rotated copy: console.log is all there is
    }
  }

  private static void fill(FileChannel channel, byte[] into, int at, long offset, int length)
      throws IOException {
    ByteBuffer target = ByteBuffer.wrap(into, at, length);
    while (target.hasRemaining()) {
      if (channel.read(target, offset + target.position() - at) <= 0) {
        break; // shorter than recorded: the rest stays zero bytes, never out of bounds
      }
    }
  }

  private static int lastIndexOf(byte[] bytes, byte b, int from) {
    for (int i = bytes.length - 1; i >= from; i--) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private static List<String> lines(byte[] bytes, int from, int to) {
    List<String> lines = new ArrayList<>();
    int lineStart = from;
    while (lineStart < to) {
      int newline = ConsoleBytes.indexOf(bytes, (byte) '\n', lineStart, to);
      int lineEnd = newline < 0 ? to : newline;
      int end = lineEnd;
      while (end > lineStart && bytes[end - 1] == '\r') {
        end--;
      }
      lines.add(
          new String(bytes, lineStart, end - lineStart, StandardCharsets.UTF_8).replace("\r", ""));
      lineStart = lineEnd + 1;
    }
    return lines;
  }
}
