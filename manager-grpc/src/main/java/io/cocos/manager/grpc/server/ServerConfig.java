package io.cocos.manager.grpc.server;

import io.cocos.manager.core.config.ConfigException;
import io.cocos.manager.core.config.Env;
import io.cocos.manager.grpc.tls.TlsFiles;
import java.net.URI;
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
    Duration httpRequestTimeout) {

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
        env.string("MANAGER_HTTP_HOST", "localhost"),
        env.listenPort("MANAGER_HTTP_PORT", 7003),
        httpUrl(env, "COCOS_JAEGER_URL", "http://localhost:4318"),
        env.ratio("COCOS_JAEGER_TRACE_RATIO", 1.0),
        httpIdentity.map(TlsFiles.Identity::certFile),
        httpIdentity.map(TlsFiles.Identity::keyFile),
        positiveDuration(env, "MANAGER_GRPC_MAX_CONNECTION_IDLE", Duration.ofMinutes(5)),
        positiveDuration(env, "MANAGER_HTTP_REQUEST_TIMEOUT", Duration.ofSeconds(10)));
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
