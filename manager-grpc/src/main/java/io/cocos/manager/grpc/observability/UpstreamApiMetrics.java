package io.cocos.manager.grpc.observability;

import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * Upstream's two API series, kept so its dashboards and alert rules work against this manager:
 * {@code manager_api_request_count} and {@code manager_api_request_latency_microseconds} (a summary
 * without quantiles: {@code _count} and {@code _sum}), labelled by upstream's method names (Run,
 * Stop, FetchAttestationPolicy, ReturnCVMInfo). As upstream's, every call counts, failed or not,
 * and the latency is in seconds despite its name (upstream observes {@code
 * time.Since(begin).Seconds()}).
 *
 * <p>The count is exposed as untyped: the Prometheus Java client renames every counter to end in
 * {@code _total}, and the point of this series is its upstream name. Thread-safe: the adders take
 * concurrent calls; a scrape reads them without a lock (count and sum may be one call apart).
 */
public final class UpstreamApiMetrics {
  static final String COUNT = "manager_api_request_count";
  public static final String LATENCY = "manager_api_request_latency_microseconds";

  /** Upstream's method label values. */
  public enum Method {
    RUN("Run"),
    STOP("Stop"),
    FETCH_ATTESTATION_POLICY("FetchAttestationPolicy"),
    RETURN_CVM_INFO("ReturnCVMInfo");

    final String label;

    Method(String label) {
      this.label = label;
    }

    /** The method label of manager_api_request_* (upstream's method names). */
    public String label() {
      return label;
    }
  }

  private record Series(LongAdder count, DoubleAdder seconds) {}

  private final Map<String, Series> byMethod = new ConcurrentSkipListMap<>();

  /** One call of {@code method} that took {@code nanos}. */
  public void record(Method method, long nanos) {
    Series s =
        byMethod.computeIfAbsent(method.label, m -> new Series(new LongAdder(), new DoubleAdder()));
    s.seconds().add(nanos / 1e9);
    s.count().increment();
  }

  List<MetricSnapshot> collect() {
    UnknownSnapshot.Builder count =
        UnknownSnapshot.builder().name(COUNT).help("Number of requests received.");
    SummarySnapshot.Builder latency =
        SummarySnapshot.builder().name(LATENCY).help("Total duration of requests in microseconds.");
    byMethod.forEach(
        (method, s) -> {
          Labels labels = Labels.of("method", method);
          long calls = s.count().sum();
          count.dataPoint(
              UnknownSnapshot.UnknownDataPointSnapshot.builder()
                  .labels(labels)
                  .value(calls)
                  .build());
          latency.dataPoint(
              SummarySnapshot.SummaryDataPointSnapshot.builder()
                  .labels(labels)
                  .count(calls)
                  .sum(s.seconds().sum())
                  .build());
        });
    List<MetricSnapshot> snapshots = new ArrayList<>();
    if (!byMethod.isEmpty()) {
      snapshots.add(count.build());
      snapshots.add(latency.build());
    }
    return snapshots;
  }
}
