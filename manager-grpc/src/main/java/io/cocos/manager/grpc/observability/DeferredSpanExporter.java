package io.cocos.manager.grpc.observability;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.function.Supplier;

/**
 * Makes the real exporter when the first batch is sent, not at start-up: the OTLP/HTTP exporter
 * sets up an HTTP client (11 ms of CPU on JDK 25, 35 on 17, measured in bench/README.md) that no
 * span needs until the batch processor's first export, half a second after the first RPC at the
 * earliest. A manager stopped before any span was sent never makes it.
 *
 * <p>Thread-safety: {@code made} is written once under this object's monitor and read without it
 * (volatile); the export, flush and shutdown of the exporter made run outside the monitor.
 */
final class DeferredSpanExporter implements SpanExporter {
  private final Supplier<SpanExporter> make;
  private volatile SpanExporter made;
  private boolean shutDown;

  DeferredSpanExporter(Supplier<SpanExporter> make) {
    this.make = make;
  }

  @Override
  public CompletableResultCode export(Collection<SpanData> spans) {
    SpanExporter exporter = exporter();
    return exporter == null ? CompletableResultCode.ofFailure() : exporter.export(spans);
  }

  @Override
  public CompletableResultCode flush() {
    SpanExporter exporter = made;
    return exporter == null ? CompletableResultCode.ofSuccess() : exporter.flush();
  }

  @Override
  public CompletableResultCode shutdown() {
    SpanExporter exporter;
    synchronized (this) {
      shutDown = true;
      exporter = made;
    }
    return exporter == null ? CompletableResultCode.ofSuccess() : exporter.shutdown();
  }

  /** The exporter, made on first use; null once shut down without one (nothing to send to). */
  private SpanExporter exporter() {
    SpanExporter exporter = made;
    if (exporter != null) {
      return exporter;
    }
    synchronized (this) {
      if (made == null && !shutDown) {
        made = make.get();
      }
      return made;
    }
  }
}
