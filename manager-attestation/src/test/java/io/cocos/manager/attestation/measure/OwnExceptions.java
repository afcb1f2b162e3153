package io.cocos.manager.attestation.measure;

import static org.assertj.core.api.Assertions.fail;

/** Fuzz helper: a call may succeed or throw the library's own exception, nothing else. */
public final class OwnExceptions {
  /**
   * The longest message a malformed input may get: one log line. The longest seen is under 200
   * characters, a temporary file's path included.
   */
  public static final int MAX_MESSAGE_CHARS = 400;

  private OwnExceptions() {}

  @FunctionalInterface
  public interface Call {
    void run() throws Exception;
  }

  /**
   * Runs {@code call}; returns the library exception it threw (or null on success), fails the test
   * on anything else or on a message that is not one line of at most {@link #MAX_MESSAGE_CHARS},
   * with {@code what} describing the input.
   */
  public static MeasurementException expectOnlyOwn(String what, Call call) {
    try {
      call.run();
      return null;
    } catch (MeasurementException e) {
      String m = e.getMessage();
      if (m == null || m.isBlank() || m.contains("\n") || m.length() > MAX_MESSAGE_CHARS) {
        fail(what + ": exception without a bounded one-line message: " + e);
      }
      return e;
    } catch (Throwable t) {
      throw new AssertionError(what + ": unexpected " + t, t);
    }
  }
}
