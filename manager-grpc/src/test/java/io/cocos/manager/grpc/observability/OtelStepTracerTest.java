package io.cocos.manager.grpc.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.cocos.manager.core.trace.StepTracer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OtelStepTracerTest {
  final RecordingSpanExporter exporter = new RecordingSpanExporter();
  final List<SpanData> ended = exporter.spans;
  final SdkTracerProvider provider =
      SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
  final StepTracer tracer = new OtelStepTracer(provider.get("test"));

  @AfterEach
  void shutDown() {
    provider.close();
  }

  @Test
  void aStepIsASpanNamedAfterItWithTheCvmIdCurrentWhileItRuns() {
    String current;
    try (StepTracer.Step step = tracer.start("qemu spawn", "cvm-1")) {
      current = Span.current().getSpanContext().getSpanId();
      step.ok();
    }
    assertThat(ended)
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getName()).isEqualTo("qemu spawn");
              assertThat(s.getAttributes().get(AttributeKey.stringKey("cvm.id")))
                  .isEqualTo("cvm-1");
              assertThat(s.getSpanId()).isEqualTo(current);
              assertThat(s.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
            });
    assertThat(Span.current().getSpanContext().isValid()).isFalse();
  }

  @Test
  void aStepNotMarkedOkIsAnError() {
    try (StepTracer.Step step = tracer.start("qemu ready", "cvm-2")) {
      assertThat(step).isNotNull();
    }
    assertThat(ended)
        .singleElement()
        .satisfies(s -> assertThat(s.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR));
  }
}
