package io.cocos.cli.manager;

import io.cocos.cli.CliContext;
import io.cocos.cli.CliException;
import io.cocos.cli.ExitCode;
import io.cocos.manager.core.config.GoDuration;
import java.time.Duration;

/**
 * How to reach the manager, from the same MANAGER_GRPC_* variables and defaults as upstream's
 * cocos-cli (StandardClientConfig): URL, per-call timeout, and TLS files.
 *
 * @param url MANAGER_GRPC_URL, host:port (default localhost:7001)
 * @param timeout MANAGER_GRPC_TIMEOUT, the deadline of each call (default 60s; 0 = none)
 * @param clientCert MANAGER_GRPC_CLIENT_CERT, PEM (mTLS), or null
 * @param clientKey MANAGER_GRPC_CLIENT_KEY, PEM (mTLS), or null
 * @param serverCa MANAGER_GRPC_SERVER_CA_CERTS, PEM bundle that the manager's certificate must
 *     chain to, or null
 */
public record ManagerClientConfig(
    String url, Duration timeout, String clientCert, String clientKey, String serverCa) {
  public static final String URL = "MANAGER_GRPC_URL";
  public static final String TIMEOUT = "MANAGER_GRPC_TIMEOUT";
  public static final String CLIENT_CERT = "MANAGER_GRPC_CLIENT_CERT";
  public static final String CLIENT_KEY = "MANAGER_GRPC_CLIENT_KEY";
  public static final String SERVER_CA = "MANAGER_GRPC_SERVER_CA_CERTS";
  public static final String DEFAULT_URL = "localhost:7001";

  public static ManagerClientConfig fromEnv(CliContext ctx) {
    String url = ctx.getenv(URL) == null ? DEFAULT_URL : ctx.getenv(URL).strip();
    checkUrl(url);
    Duration timeout = Duration.ofSeconds(60);
    String t = ctx.getenv(TIMEOUT);
    if (t != null) {
      try {
        timeout = GoDuration.parse(t.strip());
      } catch (IllegalArgumentException e) {
        throw new CliException(
            ExitCode.LOCAL, TIMEOUT + " \"" + t + "\" is not a duration such as 60s or 1m30s");
      }
      if (timeout.isNegative()) {
        throw new CliException(ExitCode.LOCAL, TIMEOUT + " \"" + t + "\" is negative");
      }
    }
    String cert = ctx.getenv(CLIENT_CERT);
    String key = ctx.getenv(CLIENT_KEY);
    if ((cert == null) != (key == null)) {
      throw new CliException(
          ExitCode.LOCAL,
          (cert == null ? CLIENT_KEY : CLIENT_CERT)
              + " is set but "
              + (cert == null ? CLIENT_CERT : CLIENT_KEY)
              + " is not: mTLS needs both");
    }
    return new ManagerClientConfig(url, timeout, cert, key, ctx.getenv(SERVER_CA));
  }

  /** host:port (a name, an IPv4 address or a [bracketed] IPv6 address), or a gRPC target URI. */
  private static void checkUrl(String url) {
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
          ExitCode.LOCAL, URL + " \"" + url + "\" is not host:port (e.g. localhost:7001)");
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
