package io.cocos.manager.core.trace;

/**
 * Marks the slow steps of a CVM operation (file preparation, QEMU start and readiness, attestation)
 * so that the daemon can trace them, without the domain knowing how: the daemon's implementation
 * opens a span, child of the RPC's span when there is one. A step not marked {@link Step#ok()}
 * before it closes ended with an exception and is recorded as an error.
 */
public interface StepTracer {
  /** Traces nothing. */
  StepTracer NONE = (name, cvmId) -> Step.NONE;

  Step start(String name, String cvmId);

  /** One step under way; closed when it ends, whichever way. */
  interface Step extends AutoCloseable {
    Step NONE =
        new Step() {
          @Override
          public void ok() {}

          @Override
          public void close() {}
        };

    void ok();

    @Override
    void close();
  }
}
