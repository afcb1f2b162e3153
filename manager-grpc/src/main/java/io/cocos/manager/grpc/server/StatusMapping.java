package io.cocos.manager.grpc.server;

import io.cocos.manager.core.cvm.ManagerException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** Domain failures to gRPC status codes (api.md, "Errors are gRPC status codes"). */
final class StatusMapping {
  private StatusMapping() {}

  static StatusRuntimeException toStatus(ManagerException e) {
    Status status = switch (e.reason()) {
      case NOT_FOUND -> Status.NOT_FOUND;
      case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
      case RESOURCE_EXHAUSTED -> Status.RESOURCE_EXHAUSTED;
      case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
      case INTERNAL -> Status.INTERNAL;
    };
    return status.withDescription(e.getMessage()).asRuntimeException();
  }
}
