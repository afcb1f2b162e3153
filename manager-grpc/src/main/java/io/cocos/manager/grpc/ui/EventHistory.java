package io.cocos.manager.grpc.ui;

import io.cocos.manager.core.event.CvmEvent;
import io.cocos.manager.core.event.CvmEventType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The last {@link #PER_CVM} lifecycle events of each CVM, for the console's CVM page: the manager
 * itself keeps none. Bounded: at most {@link #MAX_CVMS} CVMs are remembered (the oldest first seen
 * is forgotten first), and a removed CVM's events are forgotten {@link #KEEP_REMOVED} after its
 * REMOVED event, so at most {@code MAX_CVMS * PER_CVM} events are held whatever the guests do.
 *
 * <p>Also remembers each CVM's last EXITED detail (the table's reason for an exited CVM), which
 * outlives the event scrolling out of the last hundred.
 *
 * <p>Locking: {@code this} guards {@link #byCvm} and everything in it. Calls are short (no I/O).
 */
final class EventHistory {
  static final int PER_CVM = 100;
  static final int MAX_CVMS = 1024;
  static final Duration KEEP_REMOVED = Duration.ofMinutes(10);

  private static final class Entry {
    final ArrayDeque<CvmEvent> events = new ArrayDeque<>();
    String exitDetail;
    Instant removedAt;
  }

  private final Clock clock;

  /** In the order the CVMs were first seen. */
  private final Map<String, Entry> byCvm = new LinkedHashMap<>();

  EventHistory(Clock clock) {
    this.clock = clock;
  }

  synchronized void record(CvmEvent e) {
    forgetRemoved();
    Entry entry = byCvm.get(e.cvmId());
    if (entry == null) {
      if (byCvm.size() >= MAX_CVMS) {
        Iterator<String> oldest = byCvm.keySet().iterator();
        oldest.next();
        oldest.remove();
      }
      entry = new Entry();
      byCvm.put(e.cvmId(), entry);
    }
    if (entry.events.size() >= PER_CVM) {
      entry.events.removeFirst();
    }
    entry.events.addLast(e);
    if (e.type() == CvmEventType.EXITED) {
      entry.exitDetail = e.detail();
    } else if (e.type() == CvmEventType.REMOVED) {
      entry.removedAt = clock.instant();
    }
  }

  /** The CVM's events, oldest first; empty for a CVM not seen. */
  synchronized List<CvmEvent> events(String cvmId) {
    Entry entry = byCvm.get(cvmId);
    return entry == null ? List.of() : new ArrayList<>(entry.events);
  }

  /** The detail of the CVM's last EXITED event, or null. */
  synchronized String exitDetail(String cvmId) {
    Entry entry = byCvm.get(cvmId);
    return entry == null ? null : entry.exitDetail;
  }

  synchronized int size() {
    return byCvm.size();
  }

  private void forgetRemoved() {
    Instant cutoff = clock.instant().minus(KEEP_REMOVED);
    byCvm.values().removeIf(entry -> entry.removedAt != null && entry.removedAt.isBefore(cutoff));
  }
}
