package io.cocos.manager.grpc.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DeferredSpanExporterTest {
  private final AtomicInteger made = new AtomicInteger();
  private final RecordingSpanExporter inner = new RecordingSpanExporter();
  private final DeferredSpanExporter deferred =
      new DeferredSpanExporter(
          () -> {
            made.incrementAndGet();
            return inner;
          });

  @Test
  void theExporterIsMadeAtTheFirstExportAndOnlyOnce() {
    assertEquals(0, made.get());
    assertTrue(deferred.export(List.<SpanData>of()).isSuccess());
    assertTrue(deferred.export(List.<SpanData>of()).isSuccess());
    assertEquals(1, made.get());
    assertTrue(deferred.shutdown().isSuccess());
    assertEquals(2, inner.exports.get());
    assertEquals(1, inner.shutdowns.get());
  }

  @Test
  void flushAndShutdownBeforeAnyExportMakeNothing() {
    assertTrue(deferred.flush().isSuccess());
    assertTrue(deferred.shutdown().isSuccess());
    assertFalse(deferred.export(List.<SpanData>of()).isSuccess());
    assertEquals(0, made.get());
  }
}
