package io.cocos.manager.core.console;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a console log file line by line from a position, for one reader. The file stays open, so
 * a CVM removed (and its file deleted) while being read can still be read to its end. Memory per
 * cursor is bounded: one read buffer and at most one partial line of {@link #MAX_LINE} bytes.
 *
 * <p>Not thread-safe: one cursor belongs to one reader.
 */
public final class ConsoleCursor implements AutoCloseable {
  /** Longer lines are cut into pieces of this many bytes. */
  public static final int MAX_LINE = 8192;
  private static final int READ_SIZE = 64 * 1024;

  private final FileChannel channel;
  private final ByteBuffer buffer = ByteBuffer.allocate(READ_SIZE);
  private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
  private long position;

  private ConsoleCursor(FileChannel channel, long position) {
    this.channel = channel;
    this.position = position;
  }

  /** A cursor at the start of the last {@code lines} lines of the file (0: at its end). */
  public static ConsoleCursor atTail(Path file, int lines) throws IOException {
    FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
    try {
      return new ConsoleCursor(channel, startOfLastLines(channel, channel.size(), lines));
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /** A cursor at a byte position of the file (its start for a new CVM, its end for an adopted one). */
  public static ConsoleCursor at(Path file, long position) throws IOException {
    return new ConsoleCursor(FileChannel.open(file, StandardOpenOption.READ), position);
  }

  /** Bytes written to the file that this cursor has not read yet. */
  public long behind() throws IOException {
    return Math.max(0, channel.size() - position) + partial.size();
  }

  /**
   * Skips to the start of the last {@code lines} lines, dropping what lies before; returns the
   * number of bytes skipped.
   */
  public long skipToTail(int lines) throws IOException {
    long size = channel.size();
    long target = startOfLastLines(channel, size, lines);
    long skipped = Math.max(0, target - position) + partial.size();
    partial.reset();
    position = Math.max(position, target);
    return skipped;
  }

  /**
   * Up to {@code maxLines} complete lines read from the current position; a trailing partial
   * line is kept for the next call unless {@code flush} (the writer has ended).
   */
  public List<String> read(int maxLines, boolean flush) throws IOException {
    List<String> lines = new ArrayList<>();
    while (lines.size() < maxLines) {
      buffer.clear();
      int n = channel.read(buffer, position);
      if (n <= 0) {
        break;
      }
      int used = 0;
      for (int i = 0; i < n && lines.size() < maxLines; i++) {
        byte b = buffer.get(i);
        used = i + 1;
        if (b == '\n') {
          lines.add(takePartial());
        } else if (b != '\r') {
          partial.write(b);
          if (partial.size() >= MAX_LINE) {
            lines.add(takePartial());
          }
        }
      }
      position += used;
    }
    if (flush && lines.size() < maxLines && partial.size() > 0) {
      lines.add(takePartial());
    }
    return lines;
  }

  private String takePartial() {
    String line = partial.toString(StandardCharsets.UTF_8);
    partial.reset();
    return line;
  }

  /**
   * Where the last {@code lines} lines of the first {@code end} bytes start, scanning backwards
   * in blocks; a trailing newline does not count as an empty last line.
   */
  static long startOfLastLines(FileChannel channel, long end, int lines) throws IOException {
    if (lines <= 0 || end == 0) {
      return end;
    }
    ByteBuffer block = ByteBuffer.allocate(READ_SIZE);
    long at = end;
    int newlines = 0;
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
            return at - size + i + 1;
          }
        }
      }
      at -= size;
    }
    return 0;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
