package io.cocos.manager.core.agent;

import io.cocos.manager.core.config.GoDuration;
import io.cocos.manager.core.cvm.CreateRequest;
import io.cocos.manager.core.cvm.ManagerException;
import io.cocos.manager.core.store.CvmPaths;
import io.cocos.manager.core.store.SecureFiles;
import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;

/**
 * Checks a CreateVm request and writes what the agent receives: the environment file in the
 * env share and the PEM files in the certs share. Validation happens before anything is
 * allocated or written, so a bad request leaves nothing behind.
 */
public final class AgentProvisioning {
  public static final String ENVIRONMENT_FILE = "environment";
  static final String GUEST_CERTS_DIR = "/etc/certs";
  private static final Set<String> LOG_LEVELS = Set.of("debug", "info", "warn", "warning", "error");
  private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):(\\d{1,5})");

  private AgentProvisioning() {}

  /** A request that passed validation, with its TTL parsed. */
  public record ValidRequest(CreateRequest request, Optional<Duration> ttl) {}

  public static ValidRequest validate(CreateRequest r) throws ManagerException {
    noControlCharacters("agent_log_level", r.agentLogLevel());
    noControlCharacters("agent_cvm_server_url", r.serverUrl());
    noControlCharacters("agent_cvm_ca_url", r.caUrl());
    noControlCharacters("ttl", r.ttl());
    if (!r.agentLogLevel().isEmpty() && !LOG_LEVELS.contains(r.agentLogLevel().toLowerCase(Locale.ROOT))) {
      throw ManagerException.invalid("agent_log_level \"" + r.agentLogLevel()
          + "\" is not one of debug, info, warn, error");
    }
    if (!r.serverUrl().isEmpty()) {
      var m = HOST_PORT.matcher(r.serverUrl());
      if (!m.matches() || Integer.parseInt(m.group(2)) < 1 || Integer.parseInt(m.group(2)) > 65535) {
        throw ManagerException.invalid("agent_cvm_server_url \"" + r.serverUrl() + "\" is not HOST:PORT");
      }
    }
    if (!r.caUrl().isEmpty()) {
      checkHttpUrl(r.caUrl());
    }
    requirePem("agent_cvm_server_ca_cert", r.serverCaCert(), PemKind.CERTIFICATES);
    requirePem("agent_cvm_client_cert", r.clientCert(), PemKind.CERTIFICATES);
    requirePem("agent_cvm_client_key", r.clientKey(), PemKind.PRIVATE_KEY);
    if ((r.clientKey().length == 0) != (r.clientCert().length == 0)) {
      throw ManagerException.invalid("agent_cvm_client_cert and agent_cvm_client_key must be given together");
    }
    return new ValidRequest(r, parseTtl(r.ttl()));
  }

  /**
   * Writes the shares. The directories must not exist yet; they are created 0700, key.pem 0600.
   */
  public static void write(CvmPaths paths, String cvmId, CreateRequest r) throws IOException {
    SecureFiles.createPrivateDirectory(paths.certsDir());
    SecureFiles.createPrivateDirectory(paths.envDir());
    Map<String, String> env = new LinkedHashMap<>();
    env.put("AGENT_LOG_LEVEL", r.agentLogLevel());
    env.put("AGENT_CVM_GRPC_URL", r.serverUrl());
    env.put("AGENT_CVM_ID", cvmId);
    env.put("AGENT_CVM_CA_URL", r.caUrl());
    if (r.clientCert().length > 0) {
      SecureFiles.writeNew(paths.certsDir().resolve("cert.pem"), r.clientCert(), "rw-r--r--");
      env.put("AGENT_CVM_GRPC_CLIENT_CERT", GUEST_CERTS_DIR + "/cert.pem");
    }
    if (r.clientKey().length > 0) {
      SecureFiles.writeNew(paths.certsDir().resolve("key.pem"), r.clientKey(), "rw-------");
      env.put("AGENT_CVM_GRPC_CLIENT_KEY", GUEST_CERTS_DIR + "/key.pem");
    }
    if (r.serverCaCert().length > 0) {
      SecureFiles.writeNew(paths.certsDir().resolve("ca.pem"), r.serverCaCert(), "rw-r--r--");
      env.put("AGENT_CVM_GRPC_SERVER_CA_CERTS", GUEST_CERTS_DIR + "/ca.pem");
    }
    StringBuilder text = new StringBuilder();
    env.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
    SecureFiles.writeNew(paths.envDir().resolve(ENVIRONMENT_FILE), text.toString().getBytes(StandardCharsets.UTF_8),
        "rw-r--r--");
  }

  private static Optional<Duration> parseTtl(String ttl) throws ManagerException {
    if (ttl.isEmpty()) {
      return Optional.empty();
    }
    Duration d;
    try {
      d = GoDuration.parse(ttl);
    } catch (IllegalArgumentException e) {
      throw ManagerException.invalid("ttl \"" + ttl + "\" is not a duration such as 90s or 1h30m");
    }
    if (d.isZero() || d.isNegative()) {
      throw ManagerException.invalid("ttl must be longer than zero (leave it empty for no TTL)");
    }
    return Optional.of(d);
  }

  private static void checkHttpUrl(String url) throws ManagerException {
    try {
      URI uri = new URI(url);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
        return;
      }
    } catch (URISyntaxException e) {
      // reported below
    }
    throw ManagerException.invalid("agent_cvm_ca_url \"" + url + "\" is not an http(s) URL");
  }

  private static void noControlCharacters(String field, String value) throws ManagerException {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
        throw ManagerException.invalid(field + " contains a control character (0x"
            + Integer.toHexString(c) + "), which would break the agent's environment file");
      }
    }
  }

  private enum PemKind { CERTIFICATES, PRIVATE_KEY }

  private static void requirePem(String field, byte[] pem, PemKind kind) throws ManagerException {
    if (pem.length == 0) {
      return;
    }
    int objects = 0;
    try (PEMParser parser = new PEMParser(new StringReader(new String(pem, StandardCharsets.US_ASCII)))) {
      Object o;
      while ((o = parser.readObject()) != null) {
        objects++;
        boolean expected = kind == PemKind.CERTIFICATES
            ? o instanceof X509CertificateHolder
            : o instanceof PEMKeyPair || o instanceof PrivateKeyInfo;
        if (!expected) {
          throw ManagerException.invalid(field + " holds a PEM block that is not "
              + (kind == PemKind.CERTIFICATES ? "a certificate" : "an unencrypted private key"));
        }
        if (kind == PemKind.PRIVATE_KEY && objects > 1) {
          throw ManagerException.invalid(field + " holds more than one private key");
        }
      }
    } catch (IOException | RuntimeException e) {
      // Never echo the bytes: a key's content must not reach a client or a log.
      throw ManagerException.invalid(field + " is not valid PEM");
    }
    if (objects == 0) {
      throw ManagerException.invalid(field + " holds no PEM block");
    }
  }
}
