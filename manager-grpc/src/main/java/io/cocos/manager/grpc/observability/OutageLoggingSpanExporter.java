package io.cocos.manager.grpc.observability;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says once that the trace collector cannot be reached, and once that it is back, instead of a line
 * per failed batch: an absent collector costs a warning, nothing more (exports run on the batch
 * processor's own thread, and spans beyond its queue are dropped).
 */
final class OutageLoggingSpanExporter implements SpanExporter {
  private final SpanExporter next;
  private final String collector;
  private final AtomicBoolean failing = new AtomicBoolean();

  OutageLoggingSpanExporter(SpanExporter next, String collector) {
    this.next = next;
    this.collector = collector;
  }

  @Override
  public CompletableResultCode export(Collection<SpanData> spans) {
    CompletableResultCode result = next.export(spans);
    result.whenComplete(
        () -> {
          if (!result.isSuccess() && failing.compareAndSet(false, true)) {
            log()
                .warn(
                    "traces cannot be sent to {} (COCOS_JAEGER_URL); dropping them until it answers",
                    collector);
          } else if (result.isSuccess() && failing.compareAndSet(true, false)) {
            log().info("traces reach {} again", collector);
          }
        });
    return result;
  }

  /**
   * Taken when needed, not when the class loads: the exporter is made on the thread that sets up
   * telemetry while logging is still being set up (PendingTelemetry), when SLF4J would hand out a
   * stand-in logger.
   */
  private static Logger log() {
    return LoggerFactory.getLogger(OutageLoggingSpanExporter.class);
  }

  @Override
  public CompletableResultCode flush() {
    return next.flush();
  }

  @Override
  public CompletableResultCode shutdown() {
    return next.shutdown();
  }
}
