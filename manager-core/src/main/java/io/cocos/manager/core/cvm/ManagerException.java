package io.cocos.manager.core.cvm;

import io.cocos.manager.core.config.BoundedText;

/**
 * A failure the caller is told about. The reason decides the status code the transport answers
 * with; the message is one readable line and never carries secrets.
 */
public final class ManagerException extends Exception {
  /** Why an operation failed, in the terms a client can act on. */
  public enum Reason {
    NOT_FOUND,
    INVALID_ARGUMENT,
    RESOURCE_EXHAUSTED,
    FAILED_PRECONDITION,
    INTERNAL
  }

  private final Reason reason;

  public ManagerException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public ManagerException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  public static ManagerException notFound(String cvmId) {
    return new ManagerException(Reason.NOT_FOUND, "no CVM with id " + BoundedText.of(cvmId));
  }

  public static ManagerException invalid(String message) {
    return new ManagerException(Reason.INVALID_ARGUMENT, message);
  }
}
