package io.cocos.manager.grpc.ui;

import io.cocos.manager.core.console.ConsoleFollower;
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
 * follows one, by the same {@link ConsoleFollower}: read only while the connection is writable, so
 * a slow browser costs one batch in flight, never a queue, and never slows QEMU; a reader that fell
 * far behind jumps to the recent end and is told how much it skipped (as for lines rotated away
 * unread). Once the CVM has ended and everything was sent: {@code event: end}, then the connection
 * closes.
 *
 * <p>Reads run on the console's small scheduler, never on a Netty event loop. Thread-safety: {@link
 * #pump} is synchronised and the only method that touches the follower; the connection's callbacks
 * only schedule it.
 */
final class ConsoleStream {
  private static final Logger log = LoggerFactory.getLogger(ConsoleStream.class);

  /** Bytes of lines per event, at most (the contract's "about 64 KiB"). */
  static final int BATCH_BYTES = 64 * 1024;

  private final ConsoleSource source;
  private final ConsoleFollower follower;
  private final SseChannel out;
  private final ScheduledExecutorService scheduler;

  private boolean done;
  private boolean scheduled;

  private ConsoleStream(
      ConsoleSource source,
      ConsoleFollower follower,
      SseChannel out,
      ScheduledExecutorService scheduler) {
    this.source = source;
    this.follower = follower;
    this.out = out;
    this.scheduler = scheduler;
  }

  /** Follows the console from {@code from} (an absolute offset; clamped to what is on disk). */
  static void start(
      ConsoleSource source, long from, SseChannel out, ScheduledExecutorService scheduler)
      throws IOException {
    ConsoleFollower follower = ConsoleFollower.atPosition(source.log(), from);
    ConsoleStream stream = new ConsoleStream(source, follower, out, scheduler);
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
      follower.catchUp();
      while (out.channel().isWritable()) {
        if (!sendBatch(ended)) {
          if (ended) {
            out.write("end", new byte[] {'{', '}'});
            out.end();
            finish();
          } else {
            scheduled = true;
            scheduler.schedule(this::pump, ConsoleFollower.POLL.toMillis(), TimeUnit.MILLISECONDS);
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
    List<String> lines = new ArrayList<>();
    int n =
        follower.read(
            BATCH_BYTES,
            Integer.MAX_VALUE,
            flush,
            (bytes, from, to) ->
                lines.add(new String(bytes, from, to - from, StandardCharsets.UTF_8)));
    long skipped = follower.takeSkipped();
    if (skipped > 0) {
      out.write("skipped", UiJson.bytes(UiJson.MAPPER.createObjectNode().put("bytes", skipped)));
    }
    if (n == 0) {
      return false;
    }
    // Written even if the skip notice just filled the connection: the follower has moved past them.
    out.write(
        "lines", UiJson.bytes(UiJson.lines(follower.firstLine(), follower.position(), lines)));
    return true;
  }

  private synchronized void finish() {
    if (done) {
      return;
    }
    done = true;
    try {
      follower.close();
    } catch (IOException e) {
      // nothing left to do with it
    }
  }
}
