package io.cocos.manager.core.agent;

import io.cocos.manager.core.config.BoundedText;
import io.cocos.manager.core.config.GoDuration;
import io.cocos.manager.core.cvm.CreateRequest;
import io.cocos.manager.core.cvm.ManagerException;
import io.cocos.manager.core.cvm.RequestLimits;
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
 * Checks a CreateVm request and writes what the agent receives: the environment file in the env
 * share and the PEM files in the certs share. Validation happens before anything is allocated or
 * written, so a bad request leaves nothing behind.
 */
public final class AgentProvisioning {
  public static final String ENVIRONMENT_FILE = "environment";
  static final String GUEST_CERTS_DIR = "/etc/certs";
  private static final Set<String> LOG_LEVELS = Set.of("debug", "info", "warn", "warning", "error");

  /** An AWS or MinIO region name, such as us-east-1. */
  private static final Pattern REGION = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");

  /** x86 Linux takes a 2048-byte command line; the configured line needs its share. */
  static final int MAX_KERNEL_PARAMETER_VALUE = 1024;

  private static final Pattern HOST_PORT =
      Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):(\\d{1,5})");

  private AgentProvisioning() {}

  /** A request that passed validation, with its TTL parsed. */
  public record ValidRequest(CreateRequest request, Optional<Duration> ttl) {}

  public static ValidRequest validate(CreateRequest r) throws ManagerException {
    checkLengths(r);
    noControlCharacters("agent_log_level", r.agentLogLevel());
    noControlCharacters("agent_cvm_server_url", r.serverUrl());
    noControlCharacters("agent_cvm_ca_url", r.caUrl());
    noControlCharacters("ttl", r.ttl());
    if (!r.agentLogLevel().isEmpty()
        && !LOG_LEVELS.contains(r.agentLogLevel().toLowerCase(Locale.ROOT))) {
      throw ManagerException.invalid(
          "agent_log_level "
              + BoundedText.quote(r.agentLogLevel())
              + " is not one of debug, info, warn, error");
    }
    if (!r.serverUrl().isEmpty()) {
      var m = HOST_PORT.matcher(r.serverUrl());
      if (!m.matches()
          || Integer.parseInt(m.group(2)) < 1
          || Integer.parseInt(m.group(2)) > 65535) {
        throw ManagerException.invalid(
            "agent_cvm_server_url " + BoundedText.quote(r.serverUrl()) + " is not HOST:PORT");
      }
    }
    if (!r.caUrl().isEmpty()) {
      checkHttpUrl("agent_cvm_ca_url", r.caUrl());
    }
    noControlCharacters("agent_certs_token", r.certsToken());
    checkObjectStorage(r.storage());
    checkKernelParameterValue("aa_kbs_params", r.aaKbsParams());
    requirePem("agent_cvm_server_ca_cert", r.serverCaCert(), PemKind.CERTIFICATES);
    requirePem("agent_cvm_client_cert", r.clientCert(), PemKind.CERTIFICATES);
    requirePem("agent_cvm_client_key", r.clientKey(), PemKind.PRIVATE_KEY);
    if ((r.clientKey().length == 0) != (r.clientCert().length == 0)) {
      throw ManagerException.invalid(
          "agent_cvm_client_cert and agent_cvm_client_key must be given together");
    }
    return new ValidRequest(r, parseTtl(r.ttl()));
  }

  /**
   * Every field against its limit ({@link RequestLimits}), before anything reads a field's content.
   * A new field gets its line here.
   */
  private static void checkLengths(CreateRequest r) throws ManagerException {
    RequestLimits.check("agent_log_level", r.agentLogLevel(), RequestLimits.LOG_LEVEL);
    RequestLimits.check("agent_cvm_server_ca_cert", r.serverCaCert(), RequestLimits.PEM);
    RequestLimits.check("agent_cvm_client_key", r.clientKey(), RequestLimits.PEM);
    RequestLimits.check("agent_cvm_client_cert", r.clientCert(), RequestLimits.PEM);
    RequestLimits.check("agent_cvm_server_url", r.serverUrl(), RequestLimits.URL);
    RequestLimits.check("agent_cvm_ca_url", r.caUrl(), RequestLimits.URL);
    RequestLimits.check("ttl", r.ttl(), RequestLimits.TTL);
    RequestLimits.check("agent_certs_token", r.certsToken(), RequestLimits.TOKEN);
    RequestLimits.check("aws_access_key_id", r.storage().accessKeyId(), RequestLimits.CREDENTIAL);
    RequestLimits.check(
        "aws_secret_access_key", r.storage().secretAccessKey(), RequestLimits.CREDENTIAL);
    RequestLimits.check("aws_endpoint_url", r.storage().endpointUrl(), RequestLimits.URL);
    RequestLimits.check("aws_region", r.storage().region(), RequestLimits.REGION);
    RequestLimits.check("aa_kbs_params", r.aaKbsParams(), MAX_KERNEL_PARAMETER_VALUE);
  }

  /** Writes the shares. The directories must not exist yet; they are created 0700, key.pem 0600. */
  public static void write(CvmPaths paths, String cvmId, CreateRequest r) throws IOException {
    SecureFiles.createPrivateDirectory(paths.certsDir());
    SecureFiles.createPrivateDirectory(paths.envDir());
    Map<String, String> env = new LinkedHashMap<>();
    env.put("AGENT_LOG_LEVEL", r.agentLogLevel());
    env.put("AGENT_CVM_GRPC_URL", r.serverUrl());
    env.put("AGENT_CVM_ID", cvmId);
    env.put("AGENT_CVM_CA_URL", r.caUrl());
    // Always written, as upstream does, even when empty.
    env.put("AGENT_CERTS_TOKEN", r.certsToken());
    putIfGiven(env, "AWS_ACCESS_KEY_ID", r.storage().accessKeyId());
    putIfGiven(env, "AWS_SECRET_ACCESS_KEY", r.storage().secretAccessKey());
    putIfGiven(env, "AWS_ENDPOINT_URL", r.storage().endpointUrl());
    putIfGiven(env, "AWS_REGION", r.storage().region());
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
    // 0600: it holds the certs token and the object storage secret.
    SecureFiles.writeNew(
        paths.envDir().resolve(ENVIRONMENT_FILE),
        text.toString().getBytes(StandardCharsets.UTF_8),
        "rw-------");
  }

  private static void putIfGiven(Map<String, String> env, String name, String value) {
    if (!value.isEmpty()) {
      env.put(name, value);
    }
  }

  private static Optional<Duration> parseTtl(String ttl) throws ManagerException {
    if (ttl.isEmpty()) {
      return Optional.empty();
    }
    Duration d;
    try {
      d = GoDuration.parse(ttl);
    } catch (IllegalArgumentException e) {
      throw ManagerException.invalid(
          "ttl " + BoundedText.quote(ttl) + " is not a duration such as 90s or 1h30m");
    }
    if (d.isZero() || d.isNegative()) {
      throw ManagerException.invalid("ttl must be longer than zero (leave it empty for no TTL)");
    }
    return Optional.of(d);
  }

  private static void checkHttpUrl(String field, String url) throws ManagerException {
    if (!isHttpUrl(url)) {
      throw ManagerException.invalid(
          field + " " + BoundedText.quote(url) + " is not an http(s) URL");
    }
  }

  private static boolean isHttpUrl(String url) {
    try {
      URI uri = new URI(url);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      return (scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null;
    } catch (URISyntaxException e) {
      return false;
    }
  }

  /**
   * Fields 9–12. Every value goes into the environment file; the endpoint is an http(s) URL without
   * user information (credentials belong in the key fields, and the URL is quoted in errors); the
   * region a plain token; key id and secret come together. Errors never quote the key id or secret.
   */
  private static void checkObjectStorage(CreateRequest.ObjectStorageAccess s)
      throws ManagerException {
    noControlCharacters("aws_access_key_id", s.accessKeyId());
    noControlCharacters("aws_secret_access_key", s.secretAccessKey());
    noControlCharacters("aws_endpoint_url", s.endpointUrl());
    noControlCharacters("aws_region", s.region());
    if (s.accessKeyId().isEmpty() != s.secretAccessKey().isEmpty()) {
      throw ManagerException.invalid(
          "aws_access_key_id and aws_secret_access_key must be given together");
    }
    if (!s.endpointUrl().isEmpty()) {
      if (s.endpointUrl().contains("@")) {
        throw ManagerException.invalid(
            "aws_endpoint_url must not hold user information (user:password@); "
                + "give the credentials in aws_access_key_id and aws_secret_access_key");
      }
      checkHttpUrl("aws_endpoint_url", s.endpointUrl());
    }
    if (!s.region().isEmpty() && !REGION.matcher(s.region()).matches()) {
      String shown =
          s.region().length() <= 64
              ? "\"" + s.region() + "\""
              : "of " + s.region().length() + " characters";
      throw ManagerException.invalid(
          "aws_region "
              + shown
              + " is not a region name: lower-case letters, digits and '-', at most 64, such as us-east-1");
    }
  }

  /**
   * A value appended to the guest kernel command line after "name=": the kernel splits that line at
   * spaces and honours double quotes, so whitespace or a quote would let a client add kernel
   * parameters of its own. Only printable ASCII without those passes.
   */
  private static void checkKernelParameterValue(String field, String value)
      throws ManagerException {
    if (value.length() > MAX_KERNEL_PARAMETER_VALUE) {
      throw ManagerException.invalid(
          field
              + " is "
              + value.length()
              + " characters long; at most "
              + MAX_KERNEL_PARAMETER_VALUE
              + " fit on the guest kernel command line");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c <= ' ' || c >= 0x7f || c == '"' || c == '\'') {
        throw ManagerException.invalid(
            field
                + " contains "
                + describe(c)
                + " at offset "
                + i
                + "; only printable ASCII without spaces or quotes may go on the guest kernel command line");
      }
    }
  }

  private static String describe(char c) {
    return switch (c) {
      case ' ' -> "a space";
      case '"' -> "a double quote";
      case '\'' -> "a single quote";
      default -> "the character U+" + String.format("%04X", (int) c);
    };
  }

  private static void noControlCharacters(String field, String value) throws ManagerException {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
        throw ManagerException.invalid(
            field
                + " contains a control character (0x"
                + Integer.toHexString(c)
                + "), which would break the agent's environment file");
      }
    }
  }

  private enum PemKind {
    CERTIFICATES,
    PRIVATE_KEY
  }

  private static void requirePem(String field, byte[] pem, PemKind kind) throws ManagerException {
    if (pem.length == 0) {
      return;
    }
    int objects = 0;
    try (PEMParser parser =
        new PEMParser(new StringReader(new String(pem, StandardCharsets.US_ASCII)))) {
      Object o;
      while ((o = parser.readObject()) != null) {
        objects++;
        boolean expected =
            kind == PemKind.CERTIFICATES
                ? o instanceof X509CertificateHolder
                : o instanceof PEMKeyPair || o instanceof PrivateKeyInfo;
        if (!expected) {
          throw ManagerException.invalid(
              field
                  + " holds a PEM block that is not "
                  + (kind == PemKind.CERTIFICATES
                      ? "a certificate"
                      : "an unencrypted private key"));
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
