package io.cocos.manager.grpc.cms;

import io.cocos.manager.cms.api.Response;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The CMS's recent request ids and their answers, so that a request sent again (the CMS did not see
 * the answer because the link broke, or it simply retried) is answered from the first result
 * instead of running twice — creating a second CVM, say. A repeat that arrives while the first is
 * still running waits for the same result.
 *
 * <p>Memory is bounded: a finished request's id is remembered for {@link #RETENTION} after it first
 * arrived, and only the newest {@link #CAPACITY} finished ids are kept. An id older than that runs
 * again; the CMS must not reuse ids (any unique string will do: a UUID, a counter with a per-run
 * prefix). A request still running is never forgotten, however old, so a repeat of it can never run
 * a second time; their number is bounded by {@link CmsRequests}'s queue, well below the capacity.
 * Failures are remembered like successes (to try again after an error, use a new id), except
 * "busy": a request refused for want of room was never run and is {@link #forget forgotten}.
 *
 * <p>Thread-safety: synchronised on the ledger; the futures complete outside it.
 */
final class RequestLedger {
  static final int CAPACITY = 1000;
  static final Duration RETENTION = Duration.ofMinutes(10);

  /** What {@link #claim} found: the request's result, and whether this caller must produce it. */
  record Claim(CompletableFuture<Response> result, boolean first) {}

  private record Remembered(CompletableFuture<Response> result, Instant firstSeen) {}

  private final int capacity;
  private final Duration retention;
  private final Clock clock;

  /** Insertion order is age order: the eldest entries are the first to forget. */
  private final LinkedHashMap<String, Remembered> byId = new LinkedHashMap<>();

  RequestLedger(int capacity, Duration retention, Clock clock) {
    this.capacity = capacity;
    this.retention = retention;
    this.clock = clock;
  }

  /**
   * Looks a request id up. Unknown: it is remembered from now on with a fresh, incomplete result
   * that the caller must complete ({@code first} is true). Known: its result, complete or not.
   */
  synchronized Claim claim(String requestId) {
    Instant now = clock.instant();
    forgetOlderThan(now.minus(retention));
    Remembered known = byId.get(requestId);
    if (known != null) {
      return new Claim(known.result(), false);
    }
    CompletableFuture<Response> result = new CompletableFuture<>();
    byId.put(requestId, new Remembered(result, now));
    if (byId.size() > capacity) {
      forgetEldestFinished();
    }
    return new Claim(result, true);
  }

  /** Forgets a request that was refused without running, so that sending it again runs it. */
  synchronized void forget(String requestId, CompletableFuture<Response> result) {
    Remembered known = byId.get(requestId);
    if (known != null && known.result() == result) {
      byId.remove(requestId);
    }
  }

  /** Ids remembered now, running ones included; for tests. */
  synchronized int size() {
    return byId.size();
  }

  private void forgetEldestFinished() {
    Iterator<Remembered> it = byId.values().iterator();
    while (it.hasNext()) {
      if (it.next().result().isDone()) {
        it.remove();
        return;
      }
    }
  }

  private void forgetOlderThan(Instant limit) {
    Iterator<Map.Entry<String, Remembered>> it = byId.entrySet().iterator();
    while (it.hasNext()) {
      Remembered r = it.next().getValue();
      if (!r.firstSeen().isBefore(limit)) {
        return; // insertion order is age order: the rest are younger
      }
      if (r.result().isDone()) {
        it.remove();
      }
    }
  }
}
