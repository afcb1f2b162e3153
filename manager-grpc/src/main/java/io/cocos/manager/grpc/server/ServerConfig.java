package io.cocos.manager.grpc.server;

import io.cocos.manager.core.config.ConfigException;
import io.cocos.manager.core.config.Env;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * The daemon's own settings: where it serves, how it secures the API, how it logs and traces.
 * Certificate files are checked for presence at start-up so a typo fails fast.
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
    double traceRatio) {

  public static ServerConfig fromEnv(Env env) {
    Optional<Path> cert = readableFile(env, "MANAGER_GRPC_SERVER_CERT");
    Optional<Path> key = readableFile(env, "MANAGER_GRPC_SERVER_KEY");
    if (cert.isPresent() != key.isPresent()) {
      String missing = cert.isPresent() ? "MANAGER_GRPC_SERVER_KEY" : "MANAGER_GRPC_SERVER_CERT";
      throw new ConfigException(missing, "", "a PEM file: MANAGER_GRPC_SERVER_CERT and MANAGER_GRPC_SERVER_KEY go together");
    }
    Optional<Path> clientCa = readableFile(env, "MANAGER_GRPC_CLIENT_CA_CERTS");
    if (clientCa.isPresent() && cert.isEmpty()) {
      throw new ConfigException("MANAGER_GRPC_SERVER_CERT", "",
          "a PEM file: client certificates (MANAGER_GRPC_CLIENT_CA_CERTS) need TLS");
    }
    Duration timeout = env.duration("MANAGER_GRPC_TIMEOUT", Duration.ofSeconds(60));
    if (timeout.isZero()) {
      throw new ConfigException("MANAGER_GRPC_TIMEOUT", env.raw("MANAGER_GRPC_TIMEOUT").orElse(""),
          "a duration longer than zero");
    }
    return new ServerConfig(
        env.string("MANAGER_INSTANCE_ID", UUID.randomUUID().toString()),
        env.oneOf("MANAGER_LOG_LEVEL", "info", "debug", "info", "warn", "error"),
        env.string("MANAGER_GRPC_HOST", "localhost"),
        env.listenPort("MANAGER_GRPC_PORT", 7001),
        timeout,
        cert,
        key,
        clientCa,
        env.string("MANAGER_HTTP_HOST", "localhost"),
        env.listenPort("MANAGER_HTTP_PORT", 7003),
        httpUrl(env, "COCOS_JAEGER_URL", "http://localhost:4318"),
        env.ratio("COCOS_JAEGER_TRACE_RATIO", 1.0));
  }

  /** "with TLS", "with mTLS" or "without TLS", as the listening line says it. */
  public String securityDescription() {
    if (serverCert.isEmpty()) {
      return "without TLS";
    }
    return clientCaCerts.isPresent() ? "with mTLS" : "with TLS";
  }

  private static String httpUrl(Env env, String name, String defaultValue) {
    return Env.parse(name, env.string(name, defaultValue), "an http(s) URL such as http://localhost:4318", text -> {
      java.net.URI uri = java.net.URI.create(text);
      if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
        throw new IllegalArgumentException("not http");
      }
      return text;
    });
  }

  static Optional<Path> readableFile(Env env, String name) {
    Optional<Path> p = env.path(name);
    if (p.isPresent() && !Files.isReadable(p.get())) {
      throw new ConfigException(name, p.get().toString(), "a readable PEM file");
    }
    return p;
  }
}
