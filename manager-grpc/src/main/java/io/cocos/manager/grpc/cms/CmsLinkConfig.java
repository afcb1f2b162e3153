package io.cocos.manager.grpc.cms;

import io.cocos.manager.core.config.ConfigException;
import io.cocos.manager.core.config.Env;
import io.cocos.manager.grpc.tls.TlsFiles;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * How the manager reaches the Computation Management service.
 *
 * <ul>
 *   <li>MANAGER_CMS_URL: host:port to dial; empty means standalone (no link), and then the other
 *       variables are not read (the CLI uses the client certificate names for its own identity).
 *   <li>MANAGER_GRPC_CLIENT_CERT / MANAGER_GRPC_CLIENT_KEY: the manager's identity, for a CMS that
 *       requires client certificates.
 *   <li>MANAGER_GRPC_SERVER_CA_CERTS: the CAs the CMS's certificate must chain to (without it, the
 *       JDK's default trust store).
 * </ul>
 *
 * Any of the three set means TLS; none means plaintext. Every file is read and parsed here, at
 * start-up, so a wrong path or a broken PEM stops the manager with the variable's name instead of
 * surfacing as a failed handshake hours later.
 *
 * @param cmsUrl host:port; empty when standalone
 * @param tls the client TLS context; empty for plaintext
 * @param security "with mTLS", "with TLS" or "without TLS", for the logs
 */
public record CmsLinkConfig(Optional<String> cmsUrl, Optional<SslContext> tls, String security) {
  static final String CMS_URL = "MANAGER_CMS_URL";
  static final int MAX_URL_LENGTH = 261;
  static final String CLIENT_CERT = "MANAGER_GRPC_CLIENT_CERT";
  static final String CLIENT_KEY = "MANAGER_GRPC_CLIENT_KEY";
  static final String SERVER_CA_CERTS = "MANAGER_GRPC_SERVER_CA_CERTS";

  public static CmsLinkConfig fromEnv(Env env) {
    Optional<String> url = env.raw(CMS_URL);
    if (url.isEmpty()) {
      return new CmsLinkConfig(Optional.empty(), Optional.empty(), "");
    }
    checkHostPort(url.get());
    Optional<TlsFiles.Identity> identity = TlsFiles.identity(env, CLIENT_CERT, CLIENT_KEY);
    Optional<Path> serverCa = TlsFiles.caBundle(env, SERVER_CA_CERTS);
    if (identity.isEmpty() && serverCa.isEmpty()) {
      return new CmsLinkConfig(url, Optional.empty(), "without TLS");
    }
    SslContextBuilder tls = GrpcSslContexts.forClient();
    serverCa.ifPresent(ca -> tls.trustManager(ca.toFile()));
    identity.ifPresent(id -> tls.keyManager(id.certFile().toFile(), id.keyFile().toFile()));
    try {
      return new CmsLinkConfig(
          url, Optional.of(tls.build()), identity.isPresent() ? "with mTLS" : "with TLS");
    } catch (SSLException | IllegalArgumentException e) {
      // the files parsed and matched above; Netty refusing them still is a key type it cannot use
      throw new ConfigException(
          CLIENT_KEY,
          identity.map(id -> id.keyFile().toString()).orElse(""),
          "a PEM private key Netty can use (" + e.getMessage() + ")");
    }
  }

  public boolean standalone() {
    return cmsUrl.isEmpty();
  }

  /**
   * host:port, with a port in 1-65535 and a host without blanks or slashes ([v6 address] allowed).
   */
  private static void checkHostPort(String url) {
    int colon = url.lastIndexOf(':');
    String host = colon > 0 ? url.substring(0, colon) : "";
    boolean validHost =
        !host.isEmpty()
            && host.chars().noneMatch(c -> Character.isWhitespace(c) || c == '/')
            && (host.startsWith("[") ? host.endsWith("]") : !host.contains(":"));
    boolean validPort;
    try {
      int port = Integer.parseInt(url.substring(colon + 1));
      validPort = port >= 1 && port <= 65535;
    } catch (NumberFormatException e) {
      validPort = false;
    }
    // a DNS name is at most 253 characters; "[v6]" and ":65535" fit in the rest
    if (!validHost || !validPort || url.length() > MAX_URL_LENGTH) {
      throw new ConfigException(
          CMS_URL,
          url,
          "host:port of the Computation Management service, such as cms.example.com:7001");
    }
  }
}
