package io.cocos.manager.core.console;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * How console bytes are read and scanned, apart from where a reader is (that is {@link
 * ConsoleCursor}'s and {@link ConsolePages}' job): filling a buffer from a file, finding a byte
 * eight at a time, cutting a long line at a character boundary, dropping carriage returns, and
 * finding where the last lines of a file start. Stateless.
 */
final class ConsoleBytes {
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  /** Blocks read backwards when looking for the start of a tail. */
  private static final int TAIL_BLOCK = 64 * 1024;

  private ConsoleBytes() {}

  /**
   * Reads from {@code offset} until the buffer is full or the file ends; returns the bytes read.
   */
  static int fill(FileChannel channel, byte[] buffer, long offset) throws IOException {
    return fill(channel, buffer, buffer.length, offset);
  }

  /** As {@link #fill(FileChannel, byte[], long)}, into the first {@code length} bytes. */
  static int fill(FileChannel channel, byte[] buffer, int length, long offset) throws IOException {
    ByteBuffer target = ByteBuffer.wrap(buffer, 0, length);
    while (target.hasRemaining()) {
      if (channel.read(target, offset + target.position()) <= 0) {
        break;
      }
    }
    return target.position();
  }

  /**
   * The first {@code b} in {@code buffer[from, to)}, or -1; eight bytes at a time (the lowest byte
   * flagged by the zero-byte test is always a real match), as the console's text is scanned for
   * every newline.
   */
  static int indexOf(byte[] buffer, byte b, int from, int to) {
    long pattern = (b & 0xFFL) * 0x0101010101010101L;
    int i = from;
    for (; i + Long.BYTES <= to; i += Long.BYTES) {
      long x = (long) LONGS.get(buffer, i) ^ pattern;
      long zeros = (x - 0x0101010101010101L) & ~x & 0x8080808080808080L;
      if (zeros != 0) {
        return i + (Long.numberOfTrailingZeros(zeros) >>> 3);
      }
    }
    for (; i < to; i++) {
      if (buffer[i] == b) {
        return i;
      }
    }
    return -1;
  }

  /**
   * {@code cut} moved back to the start of the UTF-8 character it falls in (past at most three
   * continuation bytes, and never to {@code lineStart}); unchanged for bytes that are not UTF-8.
   */
  static int characterStart(byte[] buffer, int cut, int lineStart) {
    int c = cut;
    while (c > cut - 3 && c > lineStart + 1 && (buffer[c] & 0xC0) == 0x80) {
      c--;
    }
    return (buffer[c] & 0xC0) == 0x80 ? cut : c;
  }

  /**
   * Removes the carriage returns of {@code buffer[firstCr, to)} in place (the line only shrinks);
   * returns where the line now ends.
   */
  static int withoutCarriageReturns(byte[] buffer, int firstCr, int to) {
    int end = firstCr;
    for (int i = firstCr + 1; i < to; i++) {
      if (buffer[i] != '\r') {
        buffer[end++] = buffer[i];
      }
    }
    return end;
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
    byte[] block = new byte[TAIL_BLOCK];
    long at = end;
    long newlines = 0;
    while (at > 0) {
      int size = (int) Math.min(TAIL_BLOCK, at);
      // a file read returns less only at its end, which `end` is before
      fill(channel, block, size, at - size);
      for (int i = size - 1; i >= 0; i--) {
        if (block[i] == '\n') {
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
}
