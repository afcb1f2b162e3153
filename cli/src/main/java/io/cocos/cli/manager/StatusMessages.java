package io.cocos.cli.manager;

import io.cocos.cli.CliException;
import io.cocos.cli.ExitCode;
import io.cocos.manager.core.config.ControlCharacters;
import io.cocos.manager.core.config.GoDuration;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * gRPC statuses in words and exit codes. The manager's own descriptions ("no CVM with id X") are
 * shown as they are; transport failures are said from the user's side ("manager unreachable at
 * localhost:7001: connection refused").
 */
public final class StatusMessages {
  private StatusMessages() {}

  public static CliException describe(StatusRuntimeException e, ManagerClientConfig config) {
    Status status = e.getStatus();
    String description = bounded(status.getDescription());
    return switch (status.getCode()) {
      case UNAVAILABLE ->
          new CliException(
              ExitCode.UNREACHABLE,
              "manager unreachable at " + config.url() + ": " + transportReason(status, config));
      case DEADLINE_EXCEEDED ->
          new CliException(
              ExitCode.TIMEOUT,
              "the manager at "
                  + config.url()
                  + " did not answer within "
                  + GoDuration.format(config.timeout())
                  + " ("
                  + ManagerClientConfig.TIMEOUT
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

  /** Why the channel could not carry the call, from the cause chain grpc-java attaches. */
  private static String transportReason(Status status, ManagerClientConfig config) {
    List<Throwable> chain = new ArrayList<>();
    for (Throwable t = status.getCause(); t != null && !chain.contains(t); t = t.getCause()) {
      chain.add(t);
    }
    boolean tls = false;
    StringBuilder text = new StringBuilder();
    for (Throwable t : chain) {
      tls |=
          t instanceof SSLException || t.getClass().getName().startsWith("io.netty.handler.ssl.");
      text.append(t.getClass().getName()).append(": ").append(t.getMessage()).append('\n');
    }
    if (tls) {
      return "TLS handshake failed: "
          + tlsReason(text.toString().toUpperCase(Locale.ROOT), chain, config);
    }
    for (Throwable t : chain) {
      if (t instanceof NoRouteToHostException) {
        return "no route to host";
      }
      if (t instanceof ConnectException) {
        String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
        return m.contains("refused")
            ? "connection refused"
            : m.contains("timed out") ? "connection timed out" : firstPart(t.getMessage());
      }
      if (t instanceof UnknownHostException) {
        return "unknown host " + hostOf(config.url());
      }
      if (t instanceof ClosedChannelException) {
        return closedHint(config);
      }
      if (t.getClass().getSimpleName().equals("ConnectTimeoutException")) {
        return "connection timed out";
      }
    }
    String d = status.getDescription();
    if (d == null || d.isBlank()) {
      return chain.isEmpty() ? "unavailable" : firstPart(chain.get(chain.size() - 1).getMessage());
    }
    if (d.startsWith("Network closed")
        || d.startsWith("Connection closed")
        || d.contains("RST_STREAM")) {
      return closedHint(config);
    }
    if (d.startsWith("Unable to resolve host")) {
      return "unknown host " + hostOf(config.url());
    }
    return firstPart(d);
  }

  /**
   * A peer that hangs up on the HTTP/2 preface is most often a TLS server spoken to in plaintext.
   */
  private static String closedHint(ManagerClientConfig config) {
    return config.tls()
        ? "the connection was closed"
        : "the connection was closed (does the manager use TLS? set "
            + ManagerClientConfig.SERVER_CA
            + ")";
  }

  /** A TLS failure in words; u is the cause chain's text, upper case. */
  private static String tlsReason(String u, List<Throwable> chain, ManagerClientConfig config) {
    if (u.contains("NOT AN SSL/TLS RECORD")
        || u.contains("WRONG_VERSION_NUMBER")
        || u.contains("PACKET_LENGTH_TOO_LONG")) {
      return "the manager does not speak TLS (unset "
          + ManagerClientConfig.SERVER_CA
          + ", "
          + ManagerClientConfig.CLIENT_CERT
          + " and "
          + ManagerClientConfig.CLIENT_KEY
          + ")";
    }
    if (u.contains("NO SUBJECT ALTERNATIVE") || u.contains("NO NAME MATCHING")) {
      return "the manager's certificate is not valid for " + hostOf(config.url());
    }
    if (u.contains("CERTIFICATE_VERIFY_FAILED")
        || u.contains("PKIX")
        || u.contains("VALID CERTIFICATION PATH")) {
      return "the manager's certificate is not trusted"
          + (config.serverCa() == null
              ? " (set " + ManagerClientConfig.SERVER_CA + ")"
              : " by " + config.serverCa());
    }
    if (u.contains("CERTIFICATE_REQUIRED")
        || u.contains("BAD_CERTIFICATE")
        || u.contains("UNKNOWN_CA")
        || u.contains("CERTIFICATE_UNKNOWN")
        || u.contains("HANDSHAKE_FAILURE")) {
      return config.clientCert() == null
          ? "the manager requires a client certificate (set "
              + ManagerClientConfig.CLIENT_CERT
              + " and "
              + ManagerClientConfig.CLIENT_KEY
              + ")"
          : "the manager did not accept the client certificate "
              + config.clientCert()
              + " (is it signed by a CA the manager trusts?)";
    }
    if (u.contains("EXPIRED")) {
      return "a certificate has expired";
    }
    return firstPart(chain.get(chain.size() - 1).getMessage());
  }

  private static String hostOf(String url) {
    int colon = url.lastIndexOf(':');
    return colon > 0 ? url.substring(0, colon) : url;
  }

  private static String firstPart(String m) {
    if (m == null) {
      return "unavailable";
    }
    String line = m.lines().findFirst().orElse(m).strip();
    return line.isEmpty()
        ? "unavailable"
        : Character.toLowerCase(line.charAt(0)) + line.substring(1);
  }
}
