package io.cocos.manager.grpc.cms;

import com.google.protobuf.Timestamp;
import io.cocos.manager.cms.api.ConsoleLine;
import io.cocos.manager.cms.api.ConsoleLines;
import io.cocos.manager.cms.api.LifecycleEvent;
import io.cocos.manager.core.event.CvmEvent;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;

/**
 * Events and console lines waiting to go to the CMS, in two bounded queues. Whoever produces them
 * (the lifecycle's threads, the console watcher) only appends and never waits: when a queue is
 * full, its oldest entry is dropped and counted, so a CMS that is away or slow costs a bounded
 * amount of memory and never holds up a CVM operation. Events and console lines have queues, bounds
 * and sequence numbers of their own, so a chatty console cannot push lifecycle events out.
 *
 * <p>Thread-safety: every method is synchronised on the outbox; nothing is called out to while
 * holding it (it is a leaf lock, taken by producers that may hold a CVM's lock).
 */
final class Outbox {
  /** Totals since the manager started of entries dropped because their queue was full. */
  record Dropped(long events, long consoleLines) {}

  private final int eventCapacity;
  private final int consoleLineCapacity;
  private final Clock clock;
  private final ArrayDeque<LifecycleEvent> events = new ArrayDeque<>();
  private final ArrayDeque<ConsoleLine> consoleLines = new ArrayDeque<>();
  private long nextEventSequence = 1;
  private long nextConsoleSequence = 1;
  private long eventsDropped;
  private long consoleLinesDropped;
  private boolean eventDropReported;
  private boolean consoleDropReported;

  Outbox(int eventCapacity, int consoleLineCapacity, Clock clock) {
    this.eventCapacity = eventCapacity;
    this.consoleLineCapacity = consoleLineCapacity;
    this.clock = clock;
  }

  /**
   * Queues an event; true if this dropped the first event since {@link #droppedSoFar()} was last
   * asked.
   */
  synchronized boolean addEvent(CvmEvent event) {
    LifecycleEvent.Builder queued =
        LifecycleEvent.newBuilder()
            .setSequence(nextEventSequence++)
            .setTime(timestamp(event.time()))
            .setCvmId(event.cvmId())
            .setType(event.type().wireName())
            .setState(event.state().wireName())
            .setDetail(event.detail());
    if (event.exitCode() != null) {
      queued.setExitCode(event.exitCode());
    }
    events.addLast(queued.build());
    if (events.size() > eventCapacity) {
      events.removeFirst();
      eventsDropped++;
      boolean first = !eventDropReported;
      eventDropReported = true;
      return first;
    }
    return false;
  }

  /**
   * Queues a console line; true if this dropped the first line since {@link #droppedSoFar()} was
   * last asked.
   */
  synchronized boolean addConsoleLine(String cvmId, String text) {
    consoleLines.addLast(
        ConsoleLine.newBuilder()
            .setSequence(nextConsoleSequence++)
            .setTime(timestamp(clock.instant()))
            .setCvmId(cvmId)
            .setText(text)
            .build());
    if (consoleLines.size() > consoleLineCapacity) {
      consoleLines.removeFirst();
      consoleLinesDropped++;
      boolean first = !consoleDropReported;
      consoleDropReported = true;
      return first;
    }
    return false;
  }

  /** The oldest queued event, removed; null when there is none. */
  synchronized LifecycleEvent pollEvent() {
    return events.pollFirst();
  }

  /**
   * The oldest queued console lines, removed, as one batch of at most {@code maxLines} lines and
   * about {@code maxBytes} of text (at least one line); null when there is none.
   */
  synchronized ConsoleLines pollConsoleLines(int maxLines, int maxBytes) {
    if (consoleLines.isEmpty()) {
      return null;
    }
    ConsoleLines.Builder batch = ConsoleLines.newBuilder();
    int bytes = 0;
    while (!consoleLines.isEmpty()
        && batch.getLinesCount() < maxLines
        && (batch.getLinesCount() == 0
            || bytes + consoleLines.peekFirst().getSerializedSize() <= maxBytes)) {
      ConsoleLine line = consoleLines.removeFirst();
      bytes += line.getSerializedSize();
      batch.addLines(line);
    }
    return batch.build();
  }

  /** The drop totals, for the hello; the next drop is reported as a first one again. */
  synchronized Dropped droppedSoFar() {
    eventDropReported = false;
    consoleDropReported = false;
    return totals();
  }

  /** The drop totals, changing nothing. */
  synchronized Dropped totals() {
    return new Dropped(eventsDropped, consoleLinesDropped);
  }

  private static Timestamp timestamp(Instant i) {
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
  }
}
