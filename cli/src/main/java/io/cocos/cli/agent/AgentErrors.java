package io.cocos.cli.agent;

import io.cocos.cli.ExitCode;
import io.cocos.cli.grpc.GrpcClientConfig;
import io.cocos.cli.grpc.TransportErrors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Locale;

/** A failed agent call in a few words, and the exit code it ends the command with. */
public final class AgentErrors {
  /** Longest agent description shown: guards the terminal against any server. */
  static final int MAX_DESCRIPTION = 512;

  private AgentErrors() {}

  /**
   * The agent's own description (e.g. "signature verification failed"); transport failures said of
   * the agent ("agent unreachable at localhost:6100: connection refused", TLS reasons naming the
   * AGENT_GRPC_* variables).
   */
  public static String describe(StatusRuntimeException e, GrpcClientConfig config) {
    Status s = e.getStatus();
    if (s.getCode() == Status.Code.UNAVAILABLE) {
      return TransportErrors.unreachable(s, config);
    }
    if (s.getCode() == Status.Code.DEADLINE_EXCEEDED) {
      return "the agent at " + config.url() + " did not answer in time";
    }
    String d = s.getDescription();
    if (d == null || d.isBlank()) {
      return s.getCode().toString().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
    d = d.replaceAll("\\s+", " ").strip();
    return d.length() <= MAX_DESCRIPTION
        ? d
        : d.substring(0, MAX_DESCRIPTION) + "… (" + d.length() + " characters)";
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
