package io.cocos.manager.grpc.ui;

import io.cocos.manager.core.console.ConsoleCursor;
import io.cocos.manager.core.console.ConsoleSource;
import io.cocos.manager.core.cvm.CvmLogContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One console followed by a browser ({@code /ui/api/cvms/{id}/console/stream}), as StreamLogs
 * follows one: the console file is the buffer, read only while the connection is writable, so a
 * slow browser costs one batch in flight, never a queue, and never slows QEMU. A reader more than
 * {@link #MAX_BEHIND} behind jumps to the recent end and is told how much it skipped (as for lines
 * rotated away unread). Once the CVM has ended and everything was sent: {@code event: end}, then
 * the connection closes.
 *
 * <p>Reads run on the console's small scheduler, never on a Netty event loop. Thread-safety: {@link
 * #pump} is synchronised and the only method that touches the cursor; the connection's callbacks
 * only schedule it.
 */
final class ConsoleStream {
  private static final Logger log = LoggerFactory.getLogger(ConsoleStream.class);
  static final long MAX_BEHIND = 4L << 20;
  static final int LINES_AFTER_SKIP = 1000;

  /** Bytes of lines per event, at most (the contract's "about 64 KiB"). */
  static final int BATCH_BYTES = 64 * 1024;

  private static final long FOLLOW_POLL_MILLIS = 100;

  private final ConsoleSource source;
  private final ConsoleCursor cursor;
  private final SseChannel out;
  private final ScheduledExecutorService scheduler;

  /** Bytes unread when the last read found only a partial line; -1 when it found lines. */
  private long partialOnly = -1;

  /** Bytes jumped over and not yet reported. */
  private long skipped;

  private boolean done;
  private boolean scheduled;

  private ConsoleStream(
      ConsoleSource source,
      ConsoleCursor cursor,
      SseChannel out,
      ScheduledExecutorService scheduler) {
    this.source = source;
    this.cursor = cursor;
    this.out = out;
    this.scheduler = scheduler;
  }

  /** Follows the console from {@code from} (an absolute offset; clamped to what is on disk). */
  static void start(
      ConsoleSource source, long from, SseChannel out, ScheduledExecutorService scheduler)
      throws IOException {
    ConsoleCursor cursor = ConsoleCursor.atPosition(source.log(), from);
    ConsoleStream stream = new ConsoleStream(source, cursor, out, scheduler);
    out.onClose(stream::finishSoon);
    out.whenWritable(stream::schedule);
    stream.schedule();
  }

  private synchronized void schedule() {
    if (!scheduled && !done) {
      scheduled = true;
      scheduler.execute(this::pump);
    }
  }

  private void finishSoon() {
    scheduler.execute(this::finish);
  }

  private synchronized void pump() {
    scheduled = false;
    if (done) {
      return;
    }
    if (!out.isOpen()) {
      finish();
      return;
    }
    try {
      boolean ended = source.ended().getAsBoolean();
      if (cursor.behind() > MAX_BEHIND) {
        cursor.skipToTail(LINES_AFTER_SKIP);
        skipped += cursor.takeSkipped();
      }
      while (out.channel().isWritable()) {
        if (!sendBatch(ended)) {
          if (ended) {
            out.write("end", new byte[] {'{', '}'});
            out.end();
            finish();
          } else {
            scheduled = true;
            scheduler.schedule(this::pump, FOLLOW_POLL_MILLIS, TimeUnit.MILLISECONDS);
          }
          return;
        }
      }
      // not writable: whenWritable schedules the next pump once the browser has read
    } catch (IOException | RuntimeException e) {
      try (var c = CvmLogContext.of(source.cvmId())) {
        log.warn("console stream of {} ended: {}", source.cvmId(), e.toString());
      }
      out.close();
      finish();
    }
  }

  /** One event of lines (and the skipped bytes before them); false when there was nothing. */
  private boolean sendBatch(boolean flush) throws IOException {
    long behind = cursor.behind();
    if (behind == 0 || (behind == partialOnly && !flush)) {
      return false;
    }
    long before = cursor.position();
    List<String> lines = new ArrayList<>();
    int n =
        cursor.read(
            new byte[BATCH_BYTES],
            Integer.MAX_VALUE,
            flush,
            (bytes, from, to) ->
                lines.add(new String(bytes, from, to - from, StandardCharsets.UTF_8)));
    partialOnly = n == 0 ? behind : -1;
    long skippedInRead = cursor.takeSkipped();
    skipped += skippedInRead;
    if (skipped > 0) {
      out.write("skipped", UiJson.bytes(UiJson.MAPPER.createObjectNode().put("bytes", skipped)));
      skipped = 0;
    }
    if (n == 0) {
      return false;
    }
    // A read's skips come before its first byte, so its lines start that much further on. Written
    // even if the skip notice just filled the connection: the cursor has moved past them.
    out.write(
        "lines", UiJson.bytes(UiJson.lines(before + skippedInRead, cursor.position(), lines)));
    return true;
  }

  private synchronized void finish() {
    if (done) {
      return;
    }
    done = true;
    try {
      cursor.close();
    } catch (IOException e) {
      // nothing left to do with it
    }
  }
}
