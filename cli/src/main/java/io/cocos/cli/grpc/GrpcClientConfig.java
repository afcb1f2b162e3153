package io.cocos.cli.grpc;

import io.cocos.cli.CliContext;
import io.cocos.cli.CliException;
import io.cocos.cli.ExitCode;
import io.cocos.manager.core.config.GoDuration;
import java.time.Duration;

/**
 * How to reach a peer, from its variables (e.g. MANAGER_GRPC_*) with the same defaults as
 * upstream's cocos-cli (StandardClientConfig): URL, per-call timeout, and TLS files.
 *
 * @param peer whose variables these are; messages about the connection name it and them
 * @param url the peer's *_URL, host:port (default {@link GrpcPeer#defaultUrl()})
 * @param timeout *_TIMEOUT, the deadline of each call (default 60s; 0 = none)
 * @param clientCert *_CLIENT_CERT, PEM (mTLS), or null
 * @param clientKey *_CLIENT_KEY, PEM (mTLS), or null
 * @param serverCa *_SERVER_CA_CERTS, PEM bundle that the peer's certificate must chain to, or null
 */
public record GrpcClientConfig(
    GrpcPeer peer,
    String url,
    Duration timeout,
    String clientCert,
    String clientKey,
    String serverCa) {

  /** Reads the peer's own variables only: another peer's never stand in for them. */
  public static GrpcClientConfig fromEnv(CliContext ctx, GrpcPeer peer) {
    String urlVariable = peer.urlVariable();
    String url =
        ctx.getenv(urlVariable) == null ? peer.defaultUrl() : ctx.getenv(urlVariable).strip();
    checkUrl(peer, url);
    String timeoutVariable = peer.timeoutVariable();
    Duration timeout = Duration.ofSeconds(60);
    String t = ctx.getenv(timeoutVariable);
    if (t != null) {
      try {
        timeout = GoDuration.parse(t.strip());
      } catch (IllegalArgumentException e) {
        throw new CliException(
            ExitCode.LOCAL,
            timeoutVariable + " \"" + t + "\" is not a duration such as 60s or 1m30s");
      }
      if (timeout.isNegative()) {
        throw new CliException(ExitCode.LOCAL, timeoutVariable + " \"" + t + "\" is negative");
      }
    }
    String certVariable = peer.clientCertVariable();
    String keyVariable = peer.clientKeyVariable();
    String cert = ctx.getenv(certVariable);
    String key = ctx.getenv(keyVariable);
    if ((cert == null) != (key == null)) {
      throw new CliException(
          ExitCode.LOCAL,
          (cert == null ? keyVariable : certVariable)
              + " is set but "
              + (cert == null ? certVariable : keyVariable)
              + " is not: mTLS needs both");
    }
    return new GrpcClientConfig(peer, url, timeout, cert, key, ctx.getenv(peer.serverCaVariable()));
  }

  /** host:port (a name, an IPv4 address or a [bracketed] IPv6 address), or a gRPC target URI. */
  private static void checkUrl(GrpcPeer peer, String url) {
    if (url.contains("://") || url.startsWith("unix:")) {
      return;
    }
    int colon = url.lastIndexOf(':');
    String host = colon < 0 ? "" : url.substring(0, colon);
    String port = colon < 0 ? "" : url.substring(colon + 1);
    boolean hostOk =
        !host.isEmpty()
            && (host.startsWith("[") ? host.endsWith("]") : !host.contains(":"))
            && host.chars().noneMatch(c -> c <= ' ' || c == '/');
    boolean portOk =
        port.matches("[0-9]{1,5}") && Integer.parseInt(port) > 0 && Integer.parseInt(port) < 65536;
    if (!hostOk || !portOk) {
      throw new CliException(
          ExitCode.LOCAL,
          peer.urlVariable()
              + " \""
              + url
              + "\" is not host:port (e.g. "
              + peer.defaultUrl()
              + ")");
    }
  }

  public boolean tls() {
    return serverCa != null || clientCert != null;
  }

  /**
   * As upstream words it: "without TLS", "with TLS" (server CA only), "with mTLS" (client
   * identity).
   */
  public String mode() {
    if (clientCert != null) {
      return "with mTLS";
    }
    return serverCa != null ? "with TLS" : "without TLS";
  }
}
