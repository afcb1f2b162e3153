package io.cocos.manager.attestation.measure;

import static org.assertj.core.api.Assertions.fail;

/** Fuzz helper: a call may succeed or throw the library's own exception, nothing else. */
public final class OwnExceptions {
  private OwnExceptions() {}

  @FunctionalInterface
  public interface Call {
    void run() throws Exception;
  }

  /**
   * Runs {@code call}; returns the library exception it threw (or null on success), fails the test
   * on anything else, with {@code what} describing the input.
   */
  public static MeasurementException expectOnlyOwn(String what, Call call) {
    try {
      call.run();
      return null;
    } catch (MeasurementException e) {
      String m = e.getMessage();
      if (m == null || m.isBlank() || m.contains("\n")) {
        fail(what + ": exception without a one-line message: " + e);
      }
      return e;
    } catch (Throwable t) {
      throw new AssertionError(what + ": unexpected " + t, t);
    }
  }
}
