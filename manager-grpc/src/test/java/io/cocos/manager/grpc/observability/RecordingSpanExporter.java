package io.cocos.manager.grpc.observability;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A span exporter for tests: keeps the spans it is given and counts its exports and shutdowns. */
final class RecordingSpanExporter implements SpanExporter {
  final List<SpanData> spans = new CopyOnWriteArrayList<>();
  final AtomicInteger exports = new AtomicInteger();
  final AtomicInteger shutdowns = new AtomicInteger();

  @Override
  public CompletableResultCode export(Collection<SpanData> batch) {
    exports.incrementAndGet();
    spans.addAll(batch);
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public CompletableResultCode flush() {
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public CompletableResultCode shutdown() {
    shutdowns.incrementAndGet();
    return CompletableResultCode.ofSuccess();
  }
}
