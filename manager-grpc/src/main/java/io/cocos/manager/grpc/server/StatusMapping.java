package io.cocos.manager.grpc.server;

import io.cocos.manager.core.cvm.ManagerException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** Domain failures to gRPC status codes (api.md, "Errors are gRPC status codes"). */
final class StatusMapping {
  private StatusMapping() {}

  static StatusRuntimeException toStatus(ManagerException e) {
    Status status =
        switch (e.reason()) {
          case NOT_FOUND -> Status.NOT_FOUND;
          case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
          case RESOURCE_EXHAUSTED -> Status.RESOURCE_EXHAUSTED;
          case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
          case INTERNAL -> Status.INTERNAL;
        };
    return status.withDescription(capped(e.getMessage())).asRuntimeException();
  }

  /**
   * The longest description sent. Messages quote client input in bounded form already (so they stay
   * short); this is the backstop that keeps any message, a QEMU failure with its stderr included,
   * well below a client's metadata limit (8 KiB by default).
   */
  static final int MAX_DESCRIPTION = 2048;

  static String capped(String message) {
    if (message == null || message.length() <= MAX_DESCRIPTION) {
      return message;
    }
    return message.substring(0, MAX_DESCRIPTION) + "… (" + message.length() + " characters)";
  }
}
