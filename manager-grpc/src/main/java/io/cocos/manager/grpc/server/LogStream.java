package io.cocos.manager.grpc.server;

import io.cocos.manager.api.LogLine;
import io.cocos.manager.core.console.ConsoleCursor;
import io.cocos.manager.core.console.ConsoleSource;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One StreamLogs call. The console file is the buffer: lines are read from it only while gRPC
 * says the client can take more (flow control), so a slow reader costs the manager one read
 * buffer, never a growing queue, and never slows QEMU, which writes the file regardless. A reader
 * more than {@link #MAX_BEHIND} bytes behind jumps to the recent end; the first line after the
 * jump says how many bytes it skipped.
 *
 * <p>Thread-safety: {@link #pump} runs on the scheduler and is synchronised; it is the only
 * method that touches the cursor or calls the observer's onNext/onCompleted/onError. gRPC's
 * callbacks only schedule it.
 */
final class LogStream {
  static final long MAX_BEHIND = 4L << 20;
  /** Lines kept when a reader that fell behind jumps ahead. */
  static final int LINES_AFTER_SKIP = 1000;
  private static final int BATCH = 256;
  private static final long FOLLOW_POLL_MILLIS = 200;

  private final ConsoleSource source;
  private final ConsoleCursor cursor;
  private final boolean follow;
  private final ServerCallStreamObserver<LogLine> out;
  private final ScheduledExecutorService scheduler;
  private long skipped;
  private boolean done;

  private LogStream(ConsoleSource source, ConsoleCursor cursor, boolean follow, ServerCallStreamObserver<LogLine> out,
      ScheduledExecutorService scheduler) {
    this.source = source;
    this.cursor = cursor;
    this.follow = follow;
    this.out = out;
    this.scheduler = scheduler;
  }

  static void start(ConsoleSource source, int tail, boolean follow, ServerCallStreamObserver<LogLine> out,
      ScheduledExecutorService scheduler) {
    ConsoleCursor cursor;
    try {
      cursor = ConsoleCursor.atTail(source.file(), tail);
    } catch (IOException e) {
      out.onError(Status.FAILED_PRECONDITION.withDescription("console of CVM " + source.cvmId()
          + " cannot be read: " + e.getMessage()).asRuntimeException());
      return;
    }
    LogStream stream = new LogStream(source, cursor, follow, out, scheduler);
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
      if (follow && cursor.behind() > MAX_BEHIND) {
        skipped += cursor.skipToTail(LINES_AFTER_SKIP);
      }
      while (out.isReady()) {
        // Read everything written so far; once the CVM has ended, its last partial line too.
        List<String> lines = cursor.read(BATCH, ended || !follow);
        if (lines.isEmpty()) {
          if (!follow || ended) {
            out.onCompleted();
            finish();
          } else {
            scheduler.schedule(this::pump, FOLLOW_POLL_MILLIS, TimeUnit.MILLISECONDS);
          }
          return;
        }
        for (String line : lines) {
          out.onNext(LogLine.newBuilder().setCvmId(source.cvmId()).setLine(line).setSkippedBytes(skipped).build());
          skipped = 0;
        }
      }
      // not ready: the onReady handler pumps again when the client has read
    } catch (IOException e) {
      out.onError(Status.INTERNAL.withDescription("reading the console failed: " + e.getMessage()).asRuntimeException());
      finish();
    } catch (RuntimeException e) {
      // the call was cancelled under us
      finish();
    }
  }

  private void finish() {
    done = true;
    try {
      cursor.close();
    } catch (IOException e) {
      // nothing left to do with it
    }
  }
}
