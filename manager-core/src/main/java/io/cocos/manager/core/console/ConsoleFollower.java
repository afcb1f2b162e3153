package io.cocos.manager.core.console;

import java.io.IOException;
import java.time.Duration;

/**
 * A remote reader's way through one console: what StreamLogs and the web console's stream share.
 * The console file is the buffer, so a reader reads only when its connection can take more; one
 * that falls more than {@link #MAX_BEHIND} behind jumps to the recent end rather than make the
 * manager send megabytes nobody will read, and the bytes it passed over are counted for it to
 * report. A follower polls every {@link #POLL}, and a poll that can find no complete line (nothing
 * written, or only the partial line the last read left, such as a prompt) allocates nothing.
 *
 * <p>Not thread-safe: its stream's pump, which runs one at a time, is its only user.
 */
public final class ConsoleFollower implements AutoCloseable {
  /** A reader further behind than this jumps to the console's recent end. */
  public static final long MAX_BEHIND = 4L << 20;

  /** Lines kept when it does. */
  public static final int LINES_AFTER_SKIP = 1000;

  /** A follower sees a new line within this, plus the time to send it. */
  public static final Duration POLL = Duration.ofMillis(100);

  private final ConsoleCursor cursor;

  /** Bytes unread when the last read found only a partial line; -1 when it found lines. */
  private long partialOnly = -1;

  /** Bytes passed over and not yet taken by the caller. */
  private long skipped;

  /** Where the last read's first line began. */
  private long firstLine;

  private ConsoleFollower(ConsoleCursor cursor) {
    this.cursor = cursor;
    this.firstLine = cursor.position();
  }

  /** From the start of the last {@code lines} lines. */
  public static ConsoleFollower atTail(ConsoleLog log, long lines) throws IOException {
    return new ConsoleFollower(ConsoleCursor.atTail(log, lines));
  }

  /** From an absolute position, clamped to what is on disk. */
  public static ConsoleFollower atPosition(ConsoleLog log, long position) throws IOException {
    return new ConsoleFollower(ConsoleCursor.atPosition(log, position));
  }

  /** For a follower: a jump to the last {@link #LINES_AFTER_SKIP} lines when too far behind. */
  public void catchUp() throws IOException {
    if (cursor.behind() > MAX_BEHIND) {
      cursor.skipToTail(LINES_AFTER_SKIP);
    }
    skipped += cursor.takeSkipped();
  }

  /**
   * The next lines, as {@link ConsoleCursor#read}, into a fresh buffer of {@code bufferBytes} that
   * the lines may outlive; 0 without reading when no complete line can be there (unless {@code
   * flush}: the writer has ended, and a partial last line counts).
   */
  public int read(int bufferBytes, int maxLines, boolean flush, ConsoleCursor.LineSink sink)
      throws IOException {
    long behind = cursor.behind();
    // looking may have followed a rotation past a generation lost unread: counted here, so that
    // the read's own skips below are those between the position and its first line
    skipped += cursor.takeSkipped();
    if (behind == 0 || (behind == partialOnly && !flush)) {
      return 0;
    }
    long before = cursor.position();
    int lines = cursor.read(new byte[bufferBytes], maxLines, flush, sink);
    partialOnly = lines == 0 ? behind : -1;
    long skippedInRead = cursor.takeSkipped();
    skipped += skippedInRead;
    // what a rotation moved away unread comes before the read's first byte
    firstLine = before + skippedInRead;
    return lines;
  }

  /** The absolute position of the last read's first line. */
  public long firstLine() {
    return firstLine;
  }

  /** The absolute position of the next byte to read. */
  public long position() {
    return cursor.position();
  }

  /** Bytes passed over (a jump, or lines rotated away unread) since the last call. */
  public long takeSkipped() {
    long s = skipped;
    skipped = 0;
    return s;
  }

  @Override
  public void close() throws IOException {
    cursor.close();
  }
}
