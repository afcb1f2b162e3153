package io.cocos.manager.grpc.cms;

import io.grpc.Status;

/** Why a call or stream failed, in one line for the CMS link's log. */
final class StatusText {
  private StatusText() {}

  /**
   * One line from gRPC's words and the root cause's, such as "UNAVAILABLE: io exception (unable to
   * find valid certification path to requested target)". gRPC's description may go on with Netty's
   * pipeline on further lines: only its first line is kept.
   */
  static String describe(Throwable t) {
    Status status = Status.fromThrowable(t);
    String description =
        status.getDescription() == null
            ? null
            : status.getDescription().lines().findFirst().orElse("");
    StringBuilder text = new StringBuilder(status.getCode().toString());
    if (description != null) {
      text.append(": ").append(description);
    }
    Throwable root = t;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    if (root != t && root.getMessage() != null && !root.getMessage().equals(description)) {
      text.append(" (").append(root.getMessage().lines().findFirst().orElse("")).append(')');
    }
    return text.toString();
  }
}
