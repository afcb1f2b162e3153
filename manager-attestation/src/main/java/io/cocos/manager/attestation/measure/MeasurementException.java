package io.cocos.manager.attestation.measure;

/**
 * A launch measurement could not be computed: bad options, an unreadable or malformed input file,
 * or an input that cannot describe a real launch. The message is a single readable line meant for
 * an operator (no stack trace needed); the cause, when there is one, is the underlying I/O error.
 */
public class MeasurementException extends Exception {
  private static final long serialVersionUID = 1L;

  public MeasurementException(String message) {
    super(oneLine(message));
  }

  public MeasurementException(String message, Throwable cause) {
    super(oneLine(message), cause);
  }

  private static String oneLine(String message) {
    return message == null ? "measurement failed" : message.replace('\n', ' ').replace('\r', ' ');
  }
}
