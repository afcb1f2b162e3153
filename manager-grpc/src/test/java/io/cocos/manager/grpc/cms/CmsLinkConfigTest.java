package io.cocos.manager.grpc.cms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cocos.manager.core.config.ConfigException;
import io.cocos.manager.core.config.Env;
import io.cocos.manager.core.testing.ManagerEnvironments;
import io.cocos.manager.core.testing.TestPki;
import io.cocos.manager.grpc.ManagerDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CmsLinkConfigTest {
  @TempDir Path tmp;
  final Map<String, String> env = new HashMap<>();
  final TestPki pki = new TestPki("cms-ca");
  Path cert;
  Path key;
  Path ca;
  Path garbage;

  @BeforeEach
  void files() throws Exception {
    pki.issue("manager").writeTo(tmp, "manager");
    cert = tmp.resolve("manager.crt");
    key = tmp.resolve("manager.key");
    ca = pki.writeCa(tmp.resolve("ca.pem"));
    garbage =
        Files.writeString(
            tmp.resolve("garbage.pem"), "-----BEGIN NOTHING-----\nzzz\n-----END NOTHING-----\n");
    env.put("MANAGER_CMS_URL", "localhost:7010");
  }

  CmsLinkConfig config() {
    return CmsLinkConfig.fromEnv(new Env(env));
  }

  void assertRefused(String variable) {
    assertThatThrownBy(this::config)
        .isInstanceOfSatisfying(
            ConfigException.class, e -> assertThat(e.variable()).isEqualTo(variable));
  }

  @Test
  void withoutAUrlTheManagerIsStandaloneAndIgnoresTheCertificateVariables() {
    env.remove("MANAGER_CMS_URL");
    env.put("MANAGER_GRPC_CLIENT_CERT", "/no/such/file"); // cocos-cli's identity, perhaps
    assertThat(config().standalone()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "cms",
        "cms:",
        ":7001",
        "cms:0",
        "cms:70x1",
        "cms:65536",
        "http://cms:7001",
        "a b:1",
        "::1:7001"
      })
  void aUrlThatIsNotHostColonPortIsRefused(String url) {
    env.put("MANAGER_CMS_URL", url);
    assertRefused("MANAGER_CMS_URL");
  }

  @ParameterizedTest
  @ValueSource(strings = {"cms.example.com:7001", "10.0.0.5:1", "[::1]:7010"})
  void hostPortIsAccepted(String url) {
    env.put("MANAGER_CMS_URL", url);
    assertThat(config().cmsUrl()).contains(url);
  }

  @Test
  void noCertificatesMeanPlaintext() {
    assertThat(config().tls()).isEmpty();
    assertThat(config().security()).isEqualTo("without TLS");
  }

  @Test
  void aServerCaAloneMeansTlsAndWithAnIdentityMutualTls() {
    env.put("MANAGER_GRPC_SERVER_CA_CERTS", ca.toString());
    assertThat(config().security()).isEqualTo("with TLS");
    env.put("MANAGER_GRPC_CLIENT_CERT", cert.toString());
    env.put("MANAGER_GRPC_CLIENT_KEY", key.toString());
    assertThat(config().security()).isEqualTo("with mTLS");
    assertThat(config().tls()).isPresent();
  }

  @Test
  void aMissingFileIsRefusedByName() {
    env.put("MANAGER_GRPC_SERVER_CA_CERTS", tmp.resolve("missing.pem").toString());
    assertRefused("MANAGER_GRPC_SERVER_CA_CERTS");
  }

  @Test
  void aCertificateWithoutItsKeyIsRefused() {
    env.put("MANAGER_GRPC_CLIENT_CERT", cert.toString());
    assertRefused("MANAGER_GRPC_CLIENT_KEY");
  }

  @Test
  void filesThatAreNotWhatTheirVariableSaysAreRefusedByName() {
    env.put("MANAGER_GRPC_SERVER_CA_CERTS", garbage.toString());
    assertRefused("MANAGER_GRPC_SERVER_CA_CERTS");
    env.put("MANAGER_GRPC_SERVER_CA_CERTS", ca.toString());
    env.put("MANAGER_GRPC_CLIENT_CERT", key.toString());
    env.put("MANAGER_GRPC_CLIENT_KEY", key.toString());
    assertRefused("MANAGER_GRPC_CLIENT_CERT");
    env.put("MANAGER_GRPC_CLIENT_CERT", cert.toString());
    env.put("MANAGER_GRPC_CLIENT_KEY", garbage.toString());
    assertRefused("MANAGER_GRPC_CLIENT_KEY");
  }

  @Test
  void theDaemonRefusesABadLinkConfigurationBeforeStartingAnything() throws Exception {
    Map<String, String> manager = ManagerEnvironments.fakeQemuEnv(tmp);
    manager.put("MANAGER_CMS_URL", "127.0.0.1:7010");
    manager.put("MANAGER_GRPC_CLIENT_CERT", tmp.resolve("missing.crt").toString());
    manager.put("MANAGER_GRPC_CLIENT_KEY", key.toString());
    assertThatThrownBy(() -> ManagerDaemon.start(new Env(manager)))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e -> assertThat(e.getMessage()).startsWith("MANAGER_GRPC_CLIENT_CERT=\""));
    assertThat(tmp.resolve("state")).doesNotExist();
  }
}
