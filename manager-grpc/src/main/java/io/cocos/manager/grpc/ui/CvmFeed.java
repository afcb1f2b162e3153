package io.cocos.manager.grpc.ui;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cocos.manager.core.concurrent.DaemonThreads;
import io.cocos.manager.core.cvm.CvmLogContext;
import io.cocos.manager.core.event.CvmEvent;
import io.cocos.manager.core.event.CvmEventType;
import io.cocos.manager.core.event.CvmEvents;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live feeds ({@code /ui/api/feed}): each gets a snapshot of the table, then every lifecycle
 * event with the CVM's row as it is now, and the host samples. Also records every event in the
 * {@link EventHistory}, feeds open or not.
 *
 * <p>The bus calls its listener on the lifecycle's threads, which must never wait for a browser:
 * the listener only queues the event for the feed's one thread, which records it, encodes it once
 * and hands the same bytes to every feed (a write per connection, queued to its event loop, or the
 * connection closed when it cannot take it). One thread keeps the events in order, and opening a
 * feed runs on it too, so a feed's snapshot comes before every event it was not built from. The
 * queue is bounded ({@link #QUEUE}); should it ever fill, every feed is closed (each browser
 * reconnects to a fresh snapshot) rather than the lifecycle wait.
 *
 * <p>Locking: {@link #feeds} is a concurrent set (added and iterated on the feed thread, removed on
 * event loops when a connection closes); everything else belongs to the feed thread.
 */
final class CvmFeed implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CvmFeed.class);
  static final int QUEUE = 10_000;

  private final CvmViews views;
  private final EventHistory history;
  private final Set<SseChannel> feeds = ConcurrentHashMap.newKeySet();
  private final ThreadPoolExecutor thread;
  private final AutoCloseable subscription;

  CvmFeed(CvmEvents events, CvmViews views, EventHistory history) {
    this.views = views;
    this.history = history;
    this.thread =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUE),
            DaemonThreads.named("ui-feed"),
            (task, executor) -> overflow());
    this.subscription = events.subscribe(e -> thread.execute(() -> onEvent(e)));
  }

  /** Starts a feed on an open event stream: its snapshot first, then what happens. */
  void open(SseChannel feed) {
    thread.execute(
        () -> {
          if (!feed.send("snapshot", UiJson.bytes(views.table()))) {
            feed.close();
            return;
          }
          feeds.add(feed);
          feed.onClose(() -> feeds.remove(feed));
        });
  }

  /** Sends a host sample to every feed. */
  void host(byte[] sample) {
    thread.execute(() -> feeds.forEach(f -> f.sendOrClose("host", sample)));
  }

  int open() {
    return feeds.size();
  }

  private void onEvent(CvmEvent e) {
    try {
      history.record(e);
      if (feeds.isEmpty()) {
        return;
      }
      ObjectNode data = UiJson.MAPPER.createObjectNode();
      data.set("event", UiJson.event(e));
      if (e.type() == CvmEventType.REMOVED) {
        data.putNull("cvm");
      } else {
        data.set("cvm", views.find(e.cvmId()).map(views::row).orElse(null));
      }
      byte[] bytes = UiJson.bytes(data);
      feeds.forEach(f -> f.sendOrClose("cvm", bytes));
    } catch (RuntimeException ex) {
      try (var c = CvmLogContext.of(e.cvmId())) {
        log.warn("the web console's feed failed on an event of {}: {}", e.cvmId(), ex.toString());
      }
    }
  }

  private void overflow() {
    log.warn("the web console's feed fell {} events behind; closing its feeds", QUEUE);
    feeds.forEach(SseChannel::close);
  }

  @Override
  public void close() {
    try {
      subscription.close();
    } catch (Exception e) {
      // the bus's unsubscribe does not fail
    }
    thread.shutdownNow();
    feeds.forEach(SseChannel::close);
  }
}
