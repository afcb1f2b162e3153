package io.cocos.cli.grpc;

import io.grpc.Status;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * Why a peer could not be reached (an UNAVAILABLE status), said from the user's side and of that
 * peer: its name and its own variables ("agent unreachable at localhost:6100: TLS handshake failed:
 * the agent's certificate is not trusted by ca.pem").
 */
public final class TransportErrors {
  private TransportErrors() {}

  /** "manager unreachable at localhost:7001: connection refused". */
  public static String unreachable(Status status, GrpcClientConfig config) {
    return config.peer().name()
        + " unreachable at "
        + config.url()
        + ": "
        + transportReason(status, config);
  }

  /** Why the channel could not carry the call, from the cause chain grpc-java attaches. */
  private static String transportReason(Status status, GrpcClientConfig config) {
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
   * A peer that hangs up on the HTTP/2 preface is most often a TLS server spoken to in plaintext;
   * one that hangs up mid-call has stopped. The client cannot tell the two apart, so both are said.
   */
  private static String closedHint(GrpcClientConfig config) {
    return config.tls()
        ? "the connection was closed (the " + config.peer().name() + " stopped?)"
        : "the connection was closed (the "
            + config.peer().name()
            + " stopped, or it uses TLS: then set "
            + config.peer().serverCaVariable()
            + ")";
  }

  /** A TLS failure in words; u is the cause chain's text, upper case. */
  private static String tlsReason(String u, List<Throwable> chain, GrpcClientConfig config) {
    if (u.contains("NOT AN SSL/TLS RECORD")
        || u.contains("WRONG_VERSION_NUMBER")
        || u.contains("PACKET_LENGTH_TOO_LONG")) {
      return "the "
          + config.peer().name()
          + " does not speak TLS (unset "
          + config.peer().serverCaVariable()
          + ", "
          + config.peer().clientCertVariable()
          + " and "
          + config.peer().clientKeyVariable()
          + ")";
    }
    if (u.contains("NO SUBJECT ALTERNATIVE") || u.contains("NO NAME MATCHING")) {
      return "the "
          + config.peer().name()
          + "'s certificate is not valid for "
          + hostOf(config.url());
    }
    if (u.contains("CERTIFICATE_VERIFY_FAILED")
        || u.contains("PKIX")
        || u.contains("VALID CERTIFICATION PATH")) {
      return "the "
          + config.peer().name()
          + "'s certificate is not trusted"
          + (config.serverCa() == null
              ? " (set " + config.peer().serverCaVariable() + ")"
              : " by " + config.serverCa());
    }
    if (u.contains("CERTIFICATE_REQUIRED")
        || u.contains("BAD_CERTIFICATE")
        || u.contains("UNKNOWN_CA")
        || u.contains("CERTIFICATE_UNKNOWN")
        || u.contains("HANDSHAKE_FAILURE")) {
      return config.clientCert() == null
          ? "the "
              + config.peer().name()
              + " requires a client certificate (set "
              + config.peer().clientCertVariable()
              + " and "
              + config.peer().clientKeyVariable()
              + ")"
          : "the "
              + config.peer().name()
              + " did not accept the client certificate "
              + config.clientCert()
              + " (is it signed by a CA the "
              + config.peer().name()
              + " trusts?)";
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
