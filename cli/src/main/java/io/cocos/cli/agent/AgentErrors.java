package io.cocos.cli.agent;

import io.cocos.cli.ExitCode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** A failed agent call in a few words, and the exit code it ends the command with. */
public final class AgentErrors {
  private AgentErrors() {}

  public static String describe(StatusRuntimeException e, String url) {
    Status s = e.getStatus();
    String d = s.getDescription();
    return switch (s.getCode()) {
      case UNAVAILABLE -> "cannot reach the agent at " + url + (d == null ? "" : " (" + d + ")");
      case DEADLINE_EXCEEDED -> "the agent at " + url + " did not answer in time";
      default -> d == null || d.isEmpty() ? s.getCode().toString() : d;
    };
  }

  public static int exitCode(StatusRuntimeException e) {
    return switch (e.getStatus().getCode()) {
      case UNAVAILABLE -> ExitCode.UNREACHABLE;
      case DEADLINE_EXCEEDED -> ExitCode.TIMEOUT;
      case CANCELLED -> ExitCode.INTERRUPTED;
      case UNAUTHENTICATED,
          PERMISSION_DENIED,
          INVALID_ARGUMENT,
          FAILED_PRECONDITION,
          ALREADY_EXISTS,
          NOT_FOUND ->
          ExitCode.REJECTED;
      default -> ExitCode.FAILURE;
    };
  }
}
