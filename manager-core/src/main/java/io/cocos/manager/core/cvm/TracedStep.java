package io.cocos.manager.core.cvm;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;

/**
 * A span around one step of a CVM operation (port allocation, file preparation, QEMU start or stop,
 * attestation), child of the RPC's span when there is one. A step not marked {@link #ok()} before
 * it closes ended with an exception and is recorded as an error.
 */
final class TracedStep implements AutoCloseable {
  private final Span span;
  private final Scope scope;
  private boolean ok;

  private TracedStep(Span span) {
    this.span = span;
    this.scope = span.makeCurrent();
  }

  static TracedStep start(Tracer tracer, String name, String cvmId) {
    return new TracedStep(tracer.spanBuilder(name).setAttribute("cvm.id", cvmId).startSpan());
  }

  void ok() {
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
}
