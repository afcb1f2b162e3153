package io.cocos.cli.manager;

import io.cocos.cli.CliException;
import io.cocos.cli.ExitCode;
import io.cocos.cli.grpc.GrpcClientConfig;
import io.cocos.cli.grpc.TransportErrors;
import io.cocos.manager.core.config.ControlCharacters;
import io.cocos.manager.core.config.GoDuration;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Locale;

/**
 * The manager's gRPC statuses in words and exit codes. The manager's own descriptions ("no CVM with
 * id X") are shown as they are; transport failures are said from the user's side ("manager
 * unreachable at localhost:7001: connection refused") by {@link TransportErrors}.
 */
public final class StatusMessages {
  private StatusMessages() {}

  /**
   * @param config the manager's (GrpcPeer.MANAGER): the words below are about the manager's service
   */
  public static CliException describe(StatusRuntimeException e, GrpcClientConfig config) {
    Status status = e.getStatus();
    String description = bounded(status.getDescription());
    return switch (status.getCode()) {
      case UNAVAILABLE ->
          new CliException(ExitCode.UNREACHABLE, TransportErrors.unreachable(status, config));
      case DEADLINE_EXCEEDED ->
          new CliException(
              ExitCode.TIMEOUT,
              "the "
                  + config.peer().name()
                  + " at "
                  + config.url()
                  + " did not answer within "
                  + GoDuration.format(config.timeout())
                  + " ("
                  + config.peer().timeoutVariable()
                  + ")");
      case NOT_FOUND -> new CliException(ExitCode.NOT_FOUND, orCode(description, "not found"));
      case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE, ALREADY_EXISTS ->
          new CliException(ExitCode.REJECTED, orCode(description, words(status.getCode())));
      case UNAUTHENTICATED, PERMISSION_DENIED ->
          new CliException(
              ExitCode.REJECTED,
              "the manager refused the client: " + orCode(description, words(status.getCode())));
      case RESOURCE_EXHAUSTED ->
          new CliException(
              ExitCode.EXHAUSTED, orCode(description, "the manager is out of resources"));
      case UNIMPLEMENTED ->
          new CliException(
              ExitCode.MANAGER_ERROR,
              "the manager at "
                  + config.url()
                  + " does not implement this call (an upstream manager?)"
                  + (description == null ? "" : ": " + description));
      case CANCELLED ->
          new CliException(ExitCode.MANAGER_ERROR, orCode(description, "the call was cancelled"));
      default ->
          new CliException(
              ExitCode.MANAGER_ERROR,
              "the manager failed ("
                  + words(status.getCode())
                  + ")"
                  + (description == null ? "" : ": " + description));
    };
  }

  /** Longest description shown: the manager's are far shorter; this guards against any server. */
  static final int MAX_DESCRIPTION = 512;

  /**
   * A server's description on one line and at most {@link #MAX_DESCRIPTION} characters (plus its
   * length).
   */
  static String bounded(String description) {
    if (description == null) {
      return null;
    }
    String line = ControlCharacters.escape(description);
    return line.length() <= MAX_DESCRIPTION
        ? line
        : line.substring(0, MAX_DESCRIPTION) + "… (" + description.length() + " characters)";
  }

  private static String orCode(String description, String fallback) {
    return description == null || description.isBlank() ? fallback : description;
  }

  private static String words(Status.Code code) {
    return code.name().toLowerCase(Locale.ROOT).replace('_', ' ');
  }
}
