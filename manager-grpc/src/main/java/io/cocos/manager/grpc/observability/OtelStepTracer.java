package io.cocos.manager.grpc.observability;

import io.cocos.manager.core.trace.StepTracer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;

/**
 * The domain's slow steps as OpenTelemetry spans: one span per step, named after it, with the CVM's
 * id as attribute "cvm.id", current while the step runs (so it is the child of the RPC's span, and
 * the parent of what the step traces), and with status ERROR unless the step was marked ok.
 */
public final class OtelStepTracer implements StepTracer {
  private final Tracer tracer;

  public OtelStepTracer(Tracer tracer) {
    this.tracer = tracer;
  }

  @Override
  public Step start(String name, String cvmId) {
    Span span = tracer.spanBuilder(name).setAttribute("cvm.id", cvmId).startSpan();
    Scope scope = span.makeCurrent();
    return new Step() {
      private boolean ok;

      @Override
      public void ok() {
        ok = true;
      }

      @Override
      public void close() {
        if (!ok) {
          span.setStatus(StatusCode.ERROR);
        }
        scope.close();
        span.end();
      }
    };
  }
}
