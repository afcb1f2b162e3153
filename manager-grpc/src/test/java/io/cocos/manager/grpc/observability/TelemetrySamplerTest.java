package io.cocos.manager.grpc.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import java.util.List;
import org.junit.jupiter.api.Test;

class TelemetrySamplerTest {
  /** A trace id whose random part, the one a ratio sampler compares, is the largest there is. */
  private static final String HIGHEST_TRACE_ID = "00000000000000007fffffffffffffff";

  private static SamplingDecision decide(Sampler sampler, String traceId) {
    return sampler
        .shouldSample(
            Context.root(), traceId, "rpc", SpanKind.SERVER, Attributes.empty(), List.of())
        .getDecision();
  }

  @Test
  void aRatioOfOneSamplesEveryTraceEvenTheOneARatioSamplerDrops() {
    assertEquals(SamplingDecision.DROP, decide(Sampler.traceIdRatioBased(1.0), HIGHEST_TRACE_ID));
    assertEquals(
        SamplingDecision.RECORD_AND_SAMPLE, decide(Telemetry.rootSampler(1.0), HIGHEST_TRACE_ID));
  }

  @Test
  void aRatioOfZeroSamplesNoneAndOneBetweenSamplesByTraceId() {
    assertEquals(
        SamplingDecision.DROP,
        decide(Telemetry.rootSampler(0.0), "00000000000000000000000000000001"));
    Sampler half = Telemetry.rootSampler(0.5);
    assertEquals(
        SamplingDecision.RECORD_AND_SAMPLE, decide(half, "00000000000000000000000000000001"));
    assertEquals(SamplingDecision.DROP, decide(half, HIGHEST_TRACE_ID));
  }
}
