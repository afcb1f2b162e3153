package io.cocos.manager.grpc.ui;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cocos.manager.core.cvm.CvmRecord;
import io.cocos.manager.core.cvm.HostInfo;
import io.cocos.manager.core.cvm.ManagerService;
import io.cocos.manager.grpc.observability.Telemetry;
import io.cocos.manager.grpc.observability.UpstreamApiMetrics;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The host page's figures: every {@link #INTERVAL_SECONDS} a sample taken from the manager's own
 * metrics (what /metrics shows: CVMs by state, CreateVm calls and their latency, console bytes),
 * the last {@link #KEPT} of them (five minutes) kept for a page that opens, each new one handed to
 * the feeds.
 *
 * <p>Locking: {@code this} guards the samples and the previous readings; {@link #sample} runs on
 * the console's scheduler, {@link #host} on an event loop.
 */
final class HostSampler {
  static final int INTERVAL_SECONDS = 2;
  static final int KEPT = 150;

  private static final String CVMS = "manager_cvms";
  private static final String CONSOLE_BYTES = "manager_console_bytes";

  private final Telemetry telemetry;
  private final ManagerService manager;
  private final Clock clock;
  private final Consumer<byte[]> publish;
  private final ArrayDeque<ObjectNode> samples = new ArrayDeque<>();

  /** The previous sample's cumulative readings; null before the first. */
  private Readings previous;

  private record Readings(Instant time, long createCalls, double createSeconds, double console) {}

  HostSampler(Telemetry telemetry, ManagerService manager, Clock clock, Consumer<byte[]> publish) {
    this.telemetry = telemetry;
    this.manager = manager;
    this.clock = clock;
    this.publish = publish;
  }

  /** Takes one sample and hands it to the feeds. */
  void sample() {
    ObjectNode sample;
    synchronized (this) {
      sample = take();
      if (sample == null) {
        return; // the first reading only sets the baseline
      }
      if (samples.size() >= KEPT) {
        samples.removeFirst();
      }
      samples.addLast(sample);
    }
    publish.accept(UiJson.bytes(sample));
  }

  private ObjectNode take() {
    Instant now = clock.instant();
    long cvms = 0;
    long running = 0;
    long calls = 0;
    double seconds = 0;
    double console = 0;
    for (MetricSnapshot m : telemetry.scrape()) {
      String name = m.getMetadata().getName();
      if (name.equals(CVMS) && m instanceof GaugeSnapshot g) {
        for (var p : g.getDataPoints()) {
          cvms += (long) p.getValue();
          if ("running".equals(p.getLabels().get("state"))) {
            running += (long) p.getValue();
          }
        }
      } else if (name.equals(UpstreamApiMetrics.LATENCY) && m instanceof SummarySnapshot s) {
        for (var p : s.getDataPoints()) {
          if (UpstreamApiMetrics.Method.RUN.label().equals(p.getLabels().get("method"))) {
            calls += p.getCount();
            seconds += p.getSum();
          }
        }
      } else if (name.startsWith(CONSOLE_BYTES) && m instanceof CounterSnapshot c) {
        for (var p : c.getDataPoints()) {
          console += p.getValue();
        }
      }
    }
    Readings before = previous;
    previous = new Readings(now, calls, seconds, console);
    if (before == null) {
      return null;
    }
    long interval = calls - before.createCalls();
    double elapsed = Math.max(0.001, (now.toEpochMilli() - before.time().toEpochMilli()) / 1000.0);
    ObjectNode sample =
        UiJson.MAPPER
            .createObjectNode()
            .put("time", UiJson.time(now))
            .put("cvms", cvms)
            .put("running", running)
            .put("create_vm_calls", interval);
    sample.put(
        "create_vm_latency_ms",
        interval > 0 ? (seconds - before.createSeconds()) * 1000.0 / interval : null);
    sample.put("console_bytes_per_s", Math.max(0, console - before.console()) / elapsed);
    return sample;
  }

  /** {@code /ui/api/host}: the host's figures now and the samples kept. */
  ObjectNode host() {
    HostInfo info = manager.hostInfo();
    Map<String, Integer> states = new TreeMap<>();
    for (CvmRecord r : manager.listVms()) {
      states.merge(r.state().wireName(), 1, Integer::sum);
    }
    ObjectNode node =
        UiJson.MAPPER
            .createObjectNode()
            .put("now", UiJson.time(clock.instant()))
            .put("max_vms", info.maxVms());
    ObjectNode byState = node.putObject("states");
    states.forEach(byState::put);
    long mib = 1024 * 1024;
    ObjectNode memory = node.putObject("memory");
    memory.put("total_mib", info.memoryTotal() == 0 ? null : info.memoryTotal() / mib);
    memory.put(
        "limit_mib",
        info.guestMemoryLimit() == Long.MAX_VALUE ? null : info.guestMemoryLimit() / mib);
    memory.put("committed_mib", info.guestMemoryCommitted() / mib);
    node.put("cpus", info.cpusOnline());
    node.put("tee", info.tee().wireName());
    ArrayNode list = node.putArray("samples");
    synchronized (this) {
      samples.forEach(list::add);
    }
    return node;
  }
}
