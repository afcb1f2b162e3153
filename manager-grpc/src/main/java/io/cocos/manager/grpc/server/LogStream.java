package io.cocos.manager.grpc.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.cocos.manager.api.LogLine;
import io.cocos.manager.core.config.BoundedText;
import io.cocos.manager.core.console.ConsoleFollower;
import io.cocos.manager.core.console.ConsoleSource;
import io.cocos.manager.core.cvm.CvmLogContext;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One StreamLogs call. The console file is the buffer: lines are read from it only while gRPC says
 * the client can take more (flow control), so a slow reader costs the manager one message being
 * sent, never a growing queue, and never slows QEMU, which writes the file regardless. A follower
 * that fell far behind jumps to the recent end ({@link ConsoleFollower}); the first line after the
 * jump says how many bytes it skipped (as it does after lines rotated away unread).
 *
 * <p>Two forms: one line per message (the original, for clients that do not ask for {@code batch}),
 * or batches of up to {@link #BATCH_BYTES} of lines per message: as many as are there, so a reader
 * that keeps up gets the file at disk speed, and a follower gets what the last poll found in one
 * message. A batch is one read of the file into a fresh buffer, split at its last newline; its
 * lines go out as views of that buffer, neither copied nor decoded (only scanned for valid UTF-8).
 * A follower with nothing new holds no buffer.
 *
 * <p>Thread-safety: {@link #pump} runs on the scheduler and is synchronised; it is the only method
 * that touches the follower or calls the observer's onNext/onCompleted/onError. gRPC's callbacks
 * only schedule it.
 */
final class LogStream {
  private static final Logger log = LoggerFactory.getLogger(LogStream.class);

  /** Text per batched message; well under gRPC's default 4 MiB message limit. */
  static final int BATCH_BYTES = 128 * 1024;

  /** Lines read at a time in the one-line-per-message form, and the buffer they are read with. */
  private static final int LINES_PER_READ = 256;

  private static final int LINE_CHUNK = 64 * 1024;

  private final ConsoleSource source;
  private final ConsoleFollower follower;
  private final boolean follow;
  private final boolean batch;
  private final ServerCallStreamObserver<LogLine> out;
  private final ScheduledExecutorService scheduler;

  /** Skipped bytes not yet reported (nothing was read after them yet). */
  private long skipped;

  private boolean done;

  private LogStream(
      ConsoleSource source,
      ConsoleFollower follower,
      boolean follow,
      boolean batch,
      ServerCallStreamObserver<LogLine> out,
      ScheduledExecutorService scheduler) {
    this.source = source;
    this.follower = follower;
    this.follow = follow;
    this.batch = batch;
    this.out = out;
    this.scheduler = scheduler;
  }

  /** {@code tail}: lines from before the call; more than the console holds means all of it. */
  static void start(
      ConsoleSource source,
      long tail,
      boolean follow,
      boolean batch,
      ServerCallStreamObserver<LogLine> out,
      ScheduledExecutorService scheduler) {
    ConsoleFollower follower;
    try {
      follower = ConsoleFollower.atTail(source.log(), tail);
    } catch (IOException e) {
      out.onError(
          Status.FAILED_PRECONDITION
              .withDescription(
                  "console of CVM " + source.cvmId() + " cannot be read: " + e.getMessage())
              .asRuntimeException());
      return;
    }
    LogStream stream = new LogStream(source, follower, follow, batch, out, scheduler);
    out.setOnCancelHandler(stream::cancel);
    out.setOnReadyHandler(() -> scheduler.execute(stream::pump));
    scheduler.execute(stream::pump);
  }

  private synchronized void cancel() {
    finish();
  }

  private synchronized void pump() {
    if (done) {
      return;
    }
    try {
      boolean ended = source.ended().getAsBoolean();
      if (follow) {
        follower.catchUp();
      }
      while (out.isReady()) {
        // Everything written so far; once the CVM has ended, its last partial line too.
        boolean flush = ended || !follow;
        if ((batch ? sendBatch(flush) : sendLines(flush)) == 0) {
          if (!follow || ended) {
            out.onCompleted();
            finish();
          } else {
            scheduler.schedule(this::pump, ConsoleFollower.POLL.toMillis(), TimeUnit.MILLISECONDS);
          }
          return;
        }
      }
      // not ready: the onReady handler pumps again when the client has read
    } catch (IOException e) {
      out.onError(
          Status.INTERNAL
              .withDescription("reading the console failed: " + e.getMessage())
              .asRuntimeException());
      finish();
    } catch (RuntimeException e) {
      if (!out.isCancelled()) {
        // not the client leaving: say so in the log and end the call with a status, not silently
        try (var c = CvmLogContext.of(source.cvmId())) {
          log.error("StreamLogs for {} failed; ending the stream", source.cvmId(), e);
        }
        try {
          out.onError(
              Status.INTERNAL
                  .withDescription("the log stream failed: " + BoundedText.of(e.toString()))
                  .asRuntimeException());
        } catch (RuntimeException alreadyClosed) {
          // the call ended meanwhile: nothing left to tell
        }
      }
      finish();
    }
  }

  /** One message of up to {@link #BATCH_BYTES} of lines; returns the number of lines sent. */
  private int sendBatch(boolean flush) throws IOException {
    // The follower reads into a fresh chunk: the lines are views of it (no copy per line); it is
    // garbage once the message is sent.
    LogLine.Builder message = LogLine.newBuilder().setCvmId(source.cvmId());
    int lines =
        follower.read(
            BATCH_BYTES,
            Integer.MAX_VALUE,
            flush,
            (bytes, from, to) ->
                message.addLines(utf8(UnsafeByteOperations.unsafeWrap(bytes, from, to - from))));
    skipped += follower.takeSkipped();
    if (lines > 0) {
      out.onNext(message.setSkippedBytes(skipped).build());
      skipped = 0;
    }
    return lines;
  }

  /** Up to {@link #LINES_PER_READ} messages of one line each; returns the number of lines sent. */
  private int sendLines(boolean flush) throws IOException {
    List<ByteString> lines = new ArrayList<>();
    follower.read(
        LINE_CHUNK,
        LINES_PER_READ,
        flush,
        (bytes, from, to) -> lines.add(utf8(ByteString.copyFrom(bytes, from, to - from))));
    skipped += follower.takeSkipped();
    for (ByteString line : lines) {
      out.onNext(
          LogLine.newBuilder()
              .setCvmId(source.cvmId())
              .setLineBytes(line)
              .setSkippedBytes(skipped)
              .build());
      skipped = 0;
    }
    return lines.size();
  }

  /**
   * The line as it is when it is valid UTF-8 (a scan, no decoding), as a string field needs and the
   * batch promises; else decoded with its invalid sequences replaced by U+FFFD.
   */
  static ByteString utf8(ByteString line) {
    return line.isValidUtf8() ? line : ByteString.copyFromUtf8(line.toStringUtf8());
  }

  private void finish() {
    done = true;
    try {
      follower.close();
    } catch (IOException e) {
      // nothing left to do with it
    }
  }
}
