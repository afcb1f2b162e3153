package io.cocos.manager.grpc.server;

import com.google.protobuf.Timestamp;
import io.cocos.manager.api.LifecycleEvent;
import io.cocos.manager.core.config.BoundedText;
import io.cocos.manager.core.event.CvmEvent;
import io.cocos.manager.core.event.CvmEventType;
import io.cocos.manager.core.event.CvmEvents;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WatchEvents call: events are queued per watcher (bounded: a watcher that does not read loses
 * the oldest, and the next event it gets says how many) and sent as flow control allows. A watch of
 * one CVM ends once that CVM is removed.
 *
 * <p>Thread-safety: the queue, the drop count and the closed flag are guarded by this object's
 * monitor. Events arrive on the lifecycle's threads and only enqueue; sending happens in {@link
 * #drain}, on the executor, one drain at a time.
 */
final class EventStream {
  private static final Logger log = LoggerFactory.getLogger(EventStream.class);
  static final int CAPACITY = 1024;

  private final String cvmId;
  private final ServerCallStreamObserver<LifecycleEvent> out;
  private final Executor executor;
  private final ArrayDeque<CvmEvent> queue = new ArrayDeque<>();
  private long dropped;
  private boolean closed;
  private AutoCloseable subscription;

  private EventStream(
      String cvmId, ServerCallStreamObserver<LifecycleEvent> out, Executor executor) {
    this.cvmId = cvmId;
    this.out = out;
    this.executor = executor;
  }

  /**
   * Subscribes, then (for one CVM) asks whether it exists: in that order, a removal can never fall
   * between the check and the subscription and leave the stream open forever. A CVM that does not
   * exist ends the stream with the lookup's error; if it was removed just after the subscription,
   * its REMOVED event has ended the stream already and the error is not sent.
   */
  static void start(
      CvmEvents events,
      String cvmId,
      ServerCallStreamObserver<LifecycleEvent> out,
      Executor executor,
      Existence existence) {
    EventStream stream = new EventStream(cvmId, out, executor);
    out.setOnCancelHandler(stream::close);
    out.setOnReadyHandler(() -> executor.execute(stream::drain));
    synchronized (stream) {
      stream.subscription = events.subscribe(stream::offer);
    }
    if (!cvmId.isEmpty()) {
      Optional<Throwable> missing = existence.check(cvmId);
      missing.ifPresent(stream::fail);
    }
  }

  /** Empty when the CVM exists, else the error to end its watch with. */
  @FunctionalInterface
  interface Existence {
    Optional<Throwable> check(String cvmId);
  }

  private synchronized void fail(Throwable error) {
    if (closed) {
      return;
    }
    close();
    try {
      out.onError(error);
    } catch (RuntimeException e) {
      // cancelled meanwhile
    }
  }

  private synchronized void offer(CvmEvent event) {
    if (closed || (!cvmId.isEmpty() && !cvmId.equals(event.cvmId()))) {
      return;
    }
    if (queue.size() == CAPACITY) {
      queue.removeFirst();
      dropped++;
    }
    queue.addLast(event);
    executor.execute(this::drain);
  }

  private synchronized void drain() {
    try {
      while (!closed && out.isReady() && !queue.isEmpty()) {
        CvmEvent event = queue.removeFirst();
        out.onNext(toProto(event, dropped));
        dropped = 0;
        if (!cvmId.isEmpty() && event.type() == CvmEventType.REMOVED) {
          out.onCompleted();
          close();
        }
      }
    } catch (RuntimeException e) {
      if (!out.isCancelled()) {
        // not the client leaving: say so in the log and end the call with a status, not silently
        log.error(
            "WatchEvents{} failed; ending the stream", cvmId.isEmpty() ? "" : " for " + cvmId, e);
        try {
          out.onError(
              Status.INTERNAL
                  .withDescription("the event stream failed: " + BoundedText.of(e.toString()))
                  .asRuntimeException());
        } catch (RuntimeException alreadyClosed) {
          // the call ended meanwhile: nothing left to tell
        }
      }
      close();
    }
  }

  private synchronized void close() {
    closed = true;
    queue.clear();
    if (subscription != null) {
      try {
        subscription.close();
      } catch (Exception e) {
        // unsubscribing cannot fail in a way worth reporting
      }
    }
  }

  static LifecycleEvent toProto(CvmEvent e, long droppedBefore) {
    LifecycleEvent.Builder b =
        LifecycleEvent.newBuilder()
            .setCvmId(e.cvmId())
            .setType(e.type().wireName())
            .setState(e.state().wireName())
            .setDetail(e.detail())
            .setDroppedBefore(droppedBefore)
            .setTime(
                Timestamp.newBuilder()
                    .setSeconds(e.time().getEpochSecond())
                    .setNanos(e.time().getNano()));
    if (e.exitCode() != null) {
      b.setExitCode(e.exitCode());
    }
    return b.build();
  }
}
