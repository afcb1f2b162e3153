package io.cocos.manager.core.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cocos.manager.core.cvm.CreateRequest;
import io.cocos.manager.core.cvm.ManagerException;
import io.cocos.manager.core.store.CvmPaths;
import io.cocos.manager.core.testing.TestPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AgentProvisioningTest {
  static final TestPki PKI = new TestPki("agent-ca");
  static final TestPki.Identity AGENT = PKI.issue("agent");

  static CreateRequest request(String logLevel, String serverUrl, String caUrl, String ttl) {
    return new CreateRequest(
        logLevel, PKI.caBytes(), AGENT.keyBytes(), AGENT.certBytes(), serverUrl, caUrl, ttl);
  }

  @Test
  void writesTheEnvironmentFileAndCertificatesWithSecretModes(@TempDir Path tmp) throws Exception {
    CvmPaths paths = new CvmPaths(tmp.resolve("cvm"));
    Files.createDirectory(paths.dir());
    AgentProvisioning.write(
        paths, "id-1", request("debug", "10.0.0.1:7001", "https://ca.example:9010", "90s"));

    assertThat(Files.readString(paths.envDir().resolve("environment")))
        .isEqualTo(
            """
        AGENT_LOG_LEVEL=debug
        AGENT_CVM_GRPC_URL=10.0.0.1:7001
        AGENT_CVM_ID=id-1
        AGENT_CVM_CA_URL=https://ca.example:9010
        AGENT_CERTS_TOKEN=
        AGENT_CVM_GRPC_CLIENT_CERT=/etc/certs/cert.pem
        AGENT_CVM_GRPC_CLIENT_KEY=/etc/certs/key.pem
        AGENT_CVM_GRPC_SERVER_CA_CERTS=/etc/certs/ca.pem
        """);
    assertThat(Files.readString(paths.certsDir().resolve("key.pem"))).isEqualTo(AGENT.keyPem());
    assertThat(Files.readString(paths.certsDir().resolve("cert.pem"))).isEqualTo(AGENT.certPem());
    assertThat(Files.readString(paths.certsDir().resolve("ca.pem"))).isEqualTo(PKI.caPem());
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(paths.certsDir().resolve("key.pem"))))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(paths.certsDir())))
        .isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(paths.envDir())))
        .isEqualTo("rwx------");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(paths.envDir().resolve("environment"))))
        .isEqualTo("rw-------");
  }

  static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  static final String TOKEN = "certs-token-7f3a9c";

  static CreateRequest withExtras(
      String token, CreateRequest.ObjectStorageAccess storage, String kbsParams) {
    return new CreateRequest("", null, null, null, "h:1", "", "", token, storage, kbsParams);
  }

  static CreateRequest.ObjectStorageAccess storage(String endpoint, String region) {
    return new CreateRequest.ObjectStorageAccess("AKIAIOSFODNN7EXAMPLE", SECRET, endpoint, region);
  }

  @Test
  void writesTheCertsTokenAndTheObjectStorageVariables(@TempDir Path tmp) throws Exception {
    CvmPaths paths = new CvmPaths(tmp.resolve("cvm"));
    Files.createDirectory(paths.dir());
    CreateRequest r =
        withExtras(TOKEN, storage("https://minio.example:9000", "us-east-1"), "type=sample");
    AgentProvisioning.validate(r);
    AgentProvisioning.write(paths, "id-3", r);

    assertThat(Files.readString(paths.envDir().resolve("environment")))
        .isEqualTo(
            """
        AGENT_LOG_LEVEL=
        AGENT_CVM_GRPC_URL=h:1
        AGENT_CVM_ID=id-3
        AGENT_CVM_CA_URL=
        AGENT_CERTS_TOKEN=certs-token-7f3a9c
        AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
        AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
        AWS_ENDPOINT_URL=https://minio.example:9000
        AWS_REGION=us-east-1
        """);
  }

  @Test
  void writesEachObjectStorageVariableOnlyWhenGiven(@TempDir Path tmp) throws Exception {
    CvmPaths paths = new CvmPaths(tmp.resolve("cvm"));
    Files.createDirectory(paths.dir());
    AgentProvisioning.write(
        paths,
        "id-4",
        withExtras("", new CreateRequest.ObjectStorageAccess("", "", "", "eu-west-1"), ""));

    assertThat(Files.readString(paths.envDir().resolve("environment")))
        .contains("AGENT_CERTS_TOKEN=\n", "AWS_REGION=eu-west-1\n")
        .doesNotContain("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL");
  }

  @Test
  void acceptsWhatUpstreamsClientsSend() throws Exception {
    for (CreateRequest accepted :
        new CreateRequest[] {
          withExtras(
              TOKEN,
              storage("http://10.0.2.2:9000", "us-east-1"),
              "protocol=http,type=kbs,url=http://10.0.2.2:8080"),
          withExtras("", CreateRequest.ObjectStorageAccess.NONE, "type=sample"),
          withExtras("", storage("https://s3.amazonaws.com", ""), "")
        }) {
      // valid, unchanged
      assertThat(AgentProvisioning.validate(accepted).request()).isSameAs(accepted);
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "type=sample init=/bin/sh",
        "type=sample\tx",
        "url=\"http://x\"",
        "a='b'",
        "a\nb",
        "caf\u00e9",
        "x\u2003y"
      })
  void refusesKbsParametersThatWouldAddKernelParameters(String params) {
    assertInvalid(
        withExtras("", CreateRequest.ObjectStorageAccess.NONE, params), "aa_kbs_params contains ");
  }

  @Test
  void boundsTheKbsParameters() {
    assertInvalid(
        withExtras("", CreateRequest.ObjectStorageAccess.NONE, "a".repeat(1025)),
        "aa_kbs_params is 1025 characters long; at most 1024");
  }

  @Test
  void refusesMalformedObjectStorageFields() {
    assertInvalid(
        withExtras("", storage("s3.example.com", ""), ""),
        "aws_endpoint_url \"s3.example.com\" is not an http(s) URL");
    assertInvalid(withExtras("", storage("ftp://s3.example.com", ""), ""), "is not an http(s) URL");
    assertInvalid(
        withExtras("", storage("", "us east"), ""), "aws_region \"us east\" is not a region name");
    assertInvalid(withExtras("", storage("", "US-EAST-1"), ""), "is not a region name");
    assertInvalid(
        withExtras("", storage("", "r".repeat(100_000)), ""),
        "aws_region is 100000 characters long; at most 64 are accepted");
    assertInvalid(
        withExtras("", new CreateRequest.ObjectStorageAccess("AKIA", "", "", ""), ""),
        "aws_access_key_id and aws_secret_access_key must be given together");
    assertInvalid(
        withExtras("", new CreateRequest.ObjectStorageAccess("", SECRET, "", ""), ""),
        "must be given together");
  }

  @Test
  void refusesControlCharactersInEveryEnvironmentValueWithoutQuotingSecrets() {
    String injected = SECRET + "\nAGENT_CVM_ID=evil";
    assertSecretlessInvalid(
        withExtras(injected, CreateRequest.ObjectStorageAccess.NONE, ""),
        "agent_certs_token contains a control character");
    assertSecretlessInvalid(
        withExtras("", new CreateRequest.ObjectStorageAccess("AKIA", injected, "", ""), ""),
        "aws_secret_access_key contains a control character");
    assertSecretlessInvalid(
        withExtras("", new CreateRequest.ObjectStorageAccess(injected, SECRET, "", ""), ""),
        "aws_access_key_id contains a control character");
    assertInvalid(
        withExtras("", storage("http://h:1/\r", ""), ""),
        "aws_endpoint_url contains a control character");
    assertInvalid(
        withExtras("", storage("", "us-east-1\n"), ""), "aws_region contains a control character");
  }

  @Test
  void refusesCredentialsInTheEndpointUrlWithoutQuotingThem() {
    assertSecretlessInvalid(
        withExtras("", storage("https://admin:" + SECRET + "@minio:9000", ""), ""),
        "aws_endpoint_url must not hold user information");
  }

  @Test
  void neverPrintsTheTokenOrTheStorageSecret() {
    String printed =
        withExtras(TOKEN, storage("https://minio.example:9000", "us-east-1"), "type=sample")
            .toString();
    assertThat(printed)
        .doesNotContain(TOKEN, SECRET)
        .contains("certsToken=(given)", "secretAccessKey=(given)");
  }

  private static void assertSecretlessInvalid(CreateRequest r, String message) {
    assertInvalid(r, message);
    assertThatThrownBy(() -> AgentProvisioning.validate(r)).message().doesNotContain(SECRET);
  }

  @Test
  void leavesOutCertificateVariablesThatWereNotGiven(@TempDir Path tmp) throws Exception {
    CvmPaths paths = new CvmPaths(tmp.resolve("cvm"));
    Files.createDirectory(paths.dir());
    AgentProvisioning.write(paths, "id-2", new CreateRequest("", null, null, null, "h:1", "", ""));
    assertThat(Files.readString(paths.envDir().resolve("environment")))
        .doesNotContain("/etc/certs");
    try (var files = Files.list(paths.certsDir())) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void acceptsAFullRequestAndParsesTheTtl() throws Exception {
    var valid =
        AgentProvisioning.validate(
            request("info", "cvms.example.com:7001", "http://ca:1", "1h30m"));
    assertThat(valid.ttl()).contains(Duration.ofMinutes(90));
    assertThat(AgentProvisioning.validate(request("", "[::1]:7001", "", "")).ttl()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"info\nAGENT_CVM_ID=evil", "info\0", "info\r", "debug\u001b"})
  void refusesControlCharactersThatWouldInjectVariables(String logLevel) {
    assertThatThrownBy(() -> AgentProvisioning.validate(request(logLevel, "h:1", "", "")))
        .isInstanceOf(ManagerException.class)
        .hasMessageContaining("agent_log_level contains a control character")
        .extracting(e -> ((ManagerException) e).reason())
        .isEqualTo(ManagerException.Reason.INVALID_ARGUMENT);
  }

  @Test
  void refusesMalformedFieldsWithAReadableReason() {
    assertInvalid(request("", "h:1", "", "tomorrow"), "ttl \"tomorrow\" is not a duration");
    assertInvalid(request("", "h:1", "", "0s"), "ttl must be longer than zero");
    assertInvalid(request("", "h:1", "", "-5m"), "ttl must be longer than zero");
    assertInvalid(
        request("", "no-port", "", ""), "agent_cvm_server_url \"no-port\" is not HOST:PORT");
    assertInvalid(request("", "h:70000", "", ""), "is not HOST:PORT");
    assertInvalid(
        request("", "h:1", "ftp://x", ""), "agent_cvm_ca_url \"ftp://x\" is not an http(s) URL");
    assertInvalid(request("loud", "h:1", "", ""), "agent_log_level \"loud\" is not one of");
    assertInvalid(
        new CreateRequest(
            "", "garbage".getBytes(StandardCharsets.US_ASCII), null, null, "h:1", "", ""),
        "agent_cvm_server_ca_cert holds no PEM block");
    assertInvalid(
        new CreateRequest("", AGENT.keyBytes(), null, null, "h:1", "", ""),
        "agent_cvm_server_ca_cert holds a PEM block that is not a certificate");
    assertInvalid(
        new CreateRequest("", null, AGENT.certBytes(), AGENT.certBytes(), "h:1", "", ""),
        "agent_cvm_client_key holds a PEM block that is not an unencrypted private key");
    assertInvalid(
        new CreateRequest("", null, AGENT.keyBytes(), null, "h:1", "", ""),
        "agent_cvm_client_cert and agent_cvm_client_key must be given together");
    String brokenCert = AGENT.certPem().replaceFirst("\n", "\n!!!!");
    assertInvalid(
        new CreateRequest(
            "", brokenCert.getBytes(StandardCharsets.US_ASCII), null, null, "h:1", "", ""),
        "agent_cvm_server_ca_cert is not valid PEM");
  }

  @Test
  void neverEchoesAPrivateKeyInAnError() {
    byte[] keyTwice = (AGENT.keyPem() + AGENT.keyPem()).getBytes(StandardCharsets.US_ASCII);
    assertThatThrownBy(
            () ->
                AgentProvisioning.validate(
                    new CreateRequest("", null, keyTwice, AGENT.certBytes(), "h:1", "", "")))
        .hasMessage("agent_cvm_client_key holds more than one private key");
    assertThat(new CreateRequest("", null, AGENT.keyBytes(), null, "", "", "").toString())
        .doesNotContain("PRIVATE")
        .contains("clientKey=(given)");
  }

  private static void assertInvalid(CreateRequest r, String message) {
    assertThatThrownBy(() -> AgentProvisioning.validate(r))
        .isInstanceOf(ManagerException.class)
        .hasMessageContaining(message)
        .extracting(e -> ((ManagerException) e).reason())
        .isEqualTo(ManagerException.Reason.INVALID_ARGUMENT);
  }
}
