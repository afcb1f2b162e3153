package io.cocos.manager.grpc.server;

import io.cocos.manager.core.config.ConfigException;
import io.cocos.manager.core.config.Env;
import io.cocos.manager.grpc.tls.TlsFiles;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The daemon's own settings: where it serves, how it secures the API and the HTTP endpoint, how it
 * logs and traces. Certificate and key files are read, parsed and matched here ({@link TlsFiles}),
 * so a wrong file fails start-up with the variable's name before anything else happens.
 *
 * @param grpcMaxConnectionIdle a gRPC connection without calls for this long is closed
 * @param httpRequestTimeout an HTTP connection must deliver its request within this, and may stay
 *     open without one no longer
 * @param httpClientCaCerts clients of the HTTP endpoint may present a certificate of this CA (the
 *     web console requires one)
 * @param httpUi the web console is served at /ui
 * @param httpUiActions the web console may remove CVMs
 * @param httpUiMaxStreams the web console's live streams open at once, in all
 */
public record ServerConfig(
    String instanceId,
    String logLevel,
    String grpcHost,
    int grpcPort,
    Duration grpcTimeout,
    Optional<Path> serverCert,
    Optional<Path> serverKey,
    Optional<Path> clientCaCerts,
    String httpHost,
    int httpPort,
    String jaegerUrl,
    double traceRatio,
    Optional<Path> httpServerCert,
    Optional<Path> httpServerKey,
    Duration grpcMaxConnectionIdle,
    Duration httpRequestTimeout,
    Optional<Path> httpClientCaCerts,
    boolean httpUi,
    boolean httpUiActions,
    int httpUiMaxStreams) {

  public static ServerConfig fromEnv(Env env) {
    Optional<TlsFiles.Identity> grpcIdentity =
        TlsFiles.identity(env, "MANAGER_GRPC_SERVER_CERT", "MANAGER_GRPC_SERVER_KEY");
    Optional<Path> clientCa = TlsFiles.caBundle(env, "MANAGER_GRPC_CLIENT_CA_CERTS");
    if (clientCa.isPresent() && grpcIdentity.isEmpty()) {
      throw new ConfigException(
          "MANAGER_GRPC_SERVER_CERT",
          "",
          "a PEM file: client certificates (MANAGER_GRPC_CLIENT_CA_CERTS) need TLS");
    }
    Optional<TlsFiles.Identity> httpIdentity =
        TlsFiles.identity(env, "MANAGER_HTTP_SERVER_CERT", "MANAGER_HTTP_SERVER_KEY");
    Optional<Path> httpClientCa = TlsFiles.caBundle(env, "MANAGER_HTTP_CLIENT_CA_CERTS");
    if (httpClientCa.isPresent() && httpIdentity.isEmpty()) {
      throw new ConfigException(
          "MANAGER_HTTP_SERVER_CERT",
          "",
          "a PEM file: client certificates (MANAGER_HTTP_CLIENT_CA_CERTS) need TLS");
    }
    String httpHost = env.string("MANAGER_HTTP_HOST", "localhost");
    boolean ui = env.bool("MANAGER_HTTP_UI", false);
    boolean uiActions = env.bool("MANAGER_HTTP_UI_ACTIONS", false);
    if (uiActions && !ui) {
      throw new ConfigException(
          "MANAGER_HTTP_UI_ACTIONS",
          env.raw("MANAGER_HTTP_UI_ACTIONS").orElse(""),
          "false while MANAGER_HTTP_UI is false (actions are the web console's)");
    }
    if (ui && !isLoopback(httpHost) && httpClientCa.isEmpty()) {
      throw new ConfigException(
          "MANAGER_HTTP_HOST",
          httpHost,
          "a loopback address (localhost, 127.0.0.0/8, ::1) while MANAGER_HTTP_UI=true, or TLS"
              + " with client certificates: set MANAGER_HTTP_SERVER_CERT, MANAGER_HTTP_SERVER_KEY"
              + " and MANAGER_HTTP_CLIENT_CA_CERTS");
    }
    // below the endpoint's 128 connections, so streams never lock probes and scrapes out
    int uiMaxStreams = env.integer("MANAGER_HTTP_UI_MAX_STREAMS", 64, 1, 100);
    Duration timeout = positiveDuration(env, "MANAGER_GRPC_TIMEOUT", Duration.ofSeconds(60));
    return new ServerConfig(
        env.string("MANAGER_INSTANCE_ID", InstanceIds.random()),
        env.oneOf("MANAGER_LOG_LEVEL", "info", "debug", "info", "warn", "error"),
        env.string("MANAGER_GRPC_HOST", "localhost"),
        env.listenPort("MANAGER_GRPC_PORT", 7001),
        timeout,
        grpcIdentity.map(TlsFiles.Identity::certFile),
        grpcIdentity.map(TlsFiles.Identity::keyFile),
        clientCa,
        httpHost,
        env.listenPort("MANAGER_HTTP_PORT", 7003),
        httpUrl(env, "COCOS_JAEGER_URL", "http://localhost:4318"),
        env.ratio("COCOS_JAEGER_TRACE_RATIO", 1.0),
        httpIdentity.map(TlsFiles.Identity::certFile),
        httpIdentity.map(TlsFiles.Identity::keyFile),
        positiveDuration(env, "MANAGER_GRPC_MAX_CONNECTION_IDLE", Duration.ofMinutes(5)),
        positiveDuration(env, "MANAGER_HTTP_REQUEST_TIMEOUT", Duration.ofSeconds(10)),
        httpClientCa,
        ui,
        uiActions,
        uiMaxStreams);
  }

  /**
   * Whether a host to listen on is the loopback interface only: localhost, an address of
   * 127.0.0.0/8, or ::1. Any other name counts as reachable from outside (it is not resolved: what
   * it resolves to may change), and so do the wildcards 0.0.0.0 and ::.
   */
  public static boolean isLoopback(String host) {
    String h =
        host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (h.equalsIgnoreCase("localhost")) {
      return true;
    }
    boolean literal =
        h.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}") || h.matches("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    if (!literal) {
      return false;
    }
    try {
      return InetAddress.getByName(h).isLoopbackAddress(); // a literal: no lookup
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static Duration positiveDuration(Env env, String name, Duration defaultValue) {
    Duration d = env.duration(name, defaultValue);
    if (d.isZero()) {
      throw new ConfigException(name, env.raw(name).orElse(""), "a duration longer than zero");
    }
    return d;
  }

  /** "https" when MANAGER_HTTP_SERVER_CERT is set, else "http". */
  public String httpScheme() {
    return httpServerCert.isPresent() ? "https" : "http";
  }

  /** "with TLS", "with mTLS" or "without TLS", as the listening line says it. */
  public String securityDescription() {
    if (serverCert.isEmpty()) {
      return "without TLS";
    }
    return clientCaCerts.isPresent() ? "with mTLS" : "with TLS";
  }

  private static String httpUrl(Env env, String name, String defaultValue) {
    return Env.parse(
        name,
        env.string(name, defaultValue),
        "an http(s) URL such as http://localhost:4318",
        text -> {
          URI uri = URI.create(text);
          if (uri.getHost() == null
              || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
            throw new IllegalArgumentException("not http");
          }
          return text;
        });
  }
}
