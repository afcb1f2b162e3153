package io.cocos.manager.grpc.observability;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.prometheus.PrometheusMetricReader;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The manager's OpenTelemetry: traces to COCOS_JAEGER_URL over OTLP/HTTP, sampled at
 * COCOS_JAEGER_TRACE_RATIO (parent-based, so a caller's sampling decision is kept); metrics read by
 * Prometheus scrapes. Not registered globally: everything that needs it is handed it.
 */
public final class Telemetry implements AutoCloseable {
  static final String SERVICE_NAME = "manager";

  /**
   * OpenTelemetry logs every failed export through java.util.logging; {@link
   * OutageLoggingSpanExporter} says it once instead.
   */
  private static final Logger OTEL_LOGS = Logger.getLogger("io.opentelemetry");

  private final OpenTelemetrySdk sdk;
  private final PrometheusMetricReader metrics;
  private final UpstreamApiMetrics upstreamApi = new UpstreamApiMetrics();

  private Telemetry(OpenTelemetrySdk sdk, PrometheusMetricReader metrics) {
    this.sdk = sdk;
    this.metrics = metrics;
  }

  public static Telemetry create(String instanceId, String collectorUrl, double traceRatio) {
    OTEL_LOGS.setLevel(Level.OFF);
    Resource resource =
        Resource.getDefault()
            .merge(
                Resource.create(
                    Attributes.of(
                        AttributeKey.stringKey("service.name"), SERVICE_NAME,
                        AttributeKey.stringKey("manager.instance_id"), instanceId)));
    // An http(s) URL with a host (ServerConfig checks it at start-up), so making the exporter later
    // cannot fail on it.
    String endpoint = tracesEndpoint(collectorUrl);
    var exporter =
        new OutageLoggingSpanExporter(
            new DeferredSpanExporter(
                () ->
                    OtlpHttpSpanExporter.builder()
                        .setEndpoint(endpoint)
                        .setTimeout(Duration.ofSeconds(5))
                        // Traces are best effort: a batch the collector refuses is dropped, not
                        // retried for minutes.
                        .setRetryPolicy(null)
                        .build()),
            collectorUrl);
    SdkTracerProvider tracing =
        SdkTracerProvider.builder()
            .setResource(resource)
            .setSampler(Sampler.parentBased(rootSampler(traceRatio)))
            .addSpanProcessor(
                BatchSpanProcessor.builder(exporter)
                    .setScheduleDelay(Duration.ofMillis(500))
                    .build())
            .build();
    PrometheusMetricReader metrics = PrometheusMetricReader.create();
    SdkMeterProvider meters =
        SdkMeterProvider.builder().setResource(resource).registerMetricReader(metrics).build();
    OpenTelemetrySdk sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(tracing)
            .setMeterProvider(meters)
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    return new Telemetry(sdk, metrics);
  }

  /**
   * Whether a trace begun here is sampled. The two ends are their own samplers: they say what they
   * do without a ratio's arithmetic (a ratio of 1 keeps all but one trace id in 2^63), and without
   * its description, whose number format loads the JDK's locale data at start-up (10 ms of CPU on
   * JDK 25).
   */
  static Sampler rootSampler(double traceRatio) {
    if (traceRatio >= 1.0) {
      return Sampler.alwaysOn();
    }
    if (traceRatio <= 0.0) {
      return Sampler.alwaysOff();
    }
    return Sampler.traceIdRatioBased(traceRatio);
  }

  /**
   * OTLP/HTTP collectors take traces at /v1/traces; the variable names the collector, as upstream's
   * does.
   */
  static String tracesEndpoint(String collectorUrl) {
    String base =
        collectorUrl.endsWith("/")
            ? collectorUrl.substring(0, collectorUrl.length() - 1)
            : collectorUrl;
    return base.endsWith("/v1/traces") ? base : base + "/v1/traces";
  }

  public OpenTelemetry openTelemetry() {
    return sdk;
  }

  public Tracer tracer(String scope) {
    return sdk.getTracer(scope);
  }

  public Meter meter() {
    return sdk.getMeter("io.cocos.manager");
  }

  /** Upstream's API series, exported beside OpenTelemetry's. */
  public UpstreamApiMetrics upstreamApi() {
    return upstreamApi;
  }

  /** Every series, as a /metrics scrape reads them (the web console samples them too). */
  public MetricSnapshots scrape() {
    MetricSnapshots.Builder all = MetricSnapshots.builder();
    metrics.collect().forEach(all::metricSnapshot);
    upstreamApi.collect().forEach(all::metricSnapshot);
    return all.build();
  }

  /** Sends what is still queued, waiting a few seconds at most, then stops. */
  @Override
  public void close() {
    sdk.shutdown().join(3, TimeUnit.SECONDS);
  }
}
