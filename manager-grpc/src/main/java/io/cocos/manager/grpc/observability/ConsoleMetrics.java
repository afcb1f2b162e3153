package io.cocos.manager.grpc.observability;

import io.cocos.manager.core.cvm.CvmRecord;
import io.cocos.manager.core.cvm.CvmState;
import io.cocos.manager.core.cvm.LifecycleManager;
import io.cocos.manager.core.cvm.ManagerException;
import io.opentelemetry.api.metrics.Meter;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code manager_console_bytes_total}: bytes the live CVMs' QEMUs wrote to their consoles, read at
 * scrape time from the console logs' logical sizes (which rotation does not shrink), so a console
 * flood shows as a rate. A CVM adopted from an earlier manager counts from when this one first saw
 * it; a CVM's bytes stay counted after it is gone, so the series only grows.
 *
 * <p>Locking: {@code this} guards {@link #lastEnd} and {@link #total}; scrapes may overlap (the
 * HTTP endpoint's two threads, the web console's sampler).
 */
public final class ConsoleMetrics {
  private final LifecycleManager lifecycle;
  private final Instant started = Instant.now();
  private final Map<String, Long> lastEnd = new HashMap<>();
  private long total;

  private ConsoleMetrics(LifecycleManager lifecycle) {
    this.lifecycle = lifecycle;
  }

  /** Registers the counter; it lives as long as the meter. */
  public static void register(Meter meter, LifecycleManager lifecycle) {
    ConsoleMetrics metrics = new ConsoleMetrics(lifecycle);
    meter
        .counterBuilder("manager.console.bytes")
        .setUnit("By")
        .setDescription("bytes written to the consoles of live CVMs")
        .buildWithCallback(m -> m.record(metrics.total()));
  }

  synchronized long total() {
    Map<String, Long> seen = new HashMap<>();
    for (CvmRecord r : lifecycle.listVms()) {
      if (r.state() != CvmState.PROVISIONING
          && r.state() != CvmState.RUNNING
          && r.state() != CvmState.STOPPING) {
        continue;
      }
      long end;
      try {
        end = lifecycle.console(r.id()).log().end();
      } catch (ManagerException | IOException e) {
        continue; // removed meanwhile, or its console is not there yet
      }
      Long last = lastEnd.get(r.id());
      if (last == null) {
        // a CVM this manager created counts from its first byte; an adopted one from now
        last = r.createdAt() != null && r.createdAt().isAfter(started) ? 0L : end;
      }
      total += Math.max(0, end - last);
      seen.put(r.id(), Math.max(end, last));
    }
    lastEnd.clear();
    lastEnd.putAll(seen);
    return total;
  }
}
