package io.cocos.manager.grpc.cms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cocos.manager.core.testing.ManagerEnvironments;
import io.cocos.manager.core.testing.TestPki;
import io.cocos.manager.grpc.ManagerProcess;
import io.cocos.testcms.CmsServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The link over mTLS, with certificates the test makes: who is trusted, who is refused, and why.
 */
class CmsLinkTlsIT {
  static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir Path tmp;
  final TestPki cmsPki = new TestPki("cms-ca");
  final TestPki managerPki = new TestPki("manager-ca");
  final TestPki strangerPki = new TestPki("stranger-ca");
  final List<AutoCloseable> toClose = new ArrayList<>();
  Path pki;

  @BeforeEach
  void certificates() throws Exception {
    pki = tmp.resolve("pki");
    cmsPki.issue("cms").writeTo(pki, "cms");
    strangerPki.issue("cms").writeTo(pki, "stranger");
    managerPki.issue("manager").writeTo(pki, "manager");
    cmsPki.writeCa(pki.resolve("cms-ca.pem"));
    managerPki.writeCa(pki.resolve("manager-ca.pem"));
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  RecordingCms mutualTlsCms(int port, String identity) throws Exception {
    RecordingCms cms =
        RecordingCms.start(
            port,
            new CmsServer.Tls(
                pki.resolve(identity + ".crt"),
                pki.resolve(identity + ".key"),
                Optional.of(pki.resolve("manager-ca.pem"))));
    toClose.add(cms);
    return cms;
  }

  ManagerProcess manager(int cmsPort, boolean withIdentity) throws Exception {
    return manager(cmsPort, withIdentity, "info");
  }

  ManagerProcess manager(int cmsPort, boolean withIdentity, String logLevel) throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    env.put("MANAGER_LOG_LEVEL", logLevel);
    env.put("MANAGER_CMS_URL", "127.0.0.1:" + cmsPort);
    env.put("MANAGER_GRPC_SERVER_CA_CERTS", pki.resolve("cms-ca.pem").toString());
    if (withIdentity) {
      env.put("MANAGER_GRPC_CLIENT_CERT", pki.resolve("manager.crt").toString());
      env.put("MANAGER_GRPC_CLIENT_KEY", pki.resolve("manager.key").toString());
    }
    ManagerProcess m = ManagerProcess.startServing(env);
    toClose.add(m);
    return m;
  }

  static JsonNode awaitLinkDown(ManagerProcess m) throws Exception {
    return m.awaitLog(j -> j.path("msg").asText().startsWith("CMS link down:"), WAIT);
  }

  @Test
  void mutualTlsConnectsAndACmsCertifiedByAnotherCaIsRefusedWithTheReasonLogged() throws Exception {
    RecordingCms cms = mutualTlsCms(0, "cms");
    int port = cms.port();
    ManagerProcess manager = manager(port, true);
    cms.awaitHello(1, WAIT);
    assertThat(cms.server.latestSession().orElseThrow().clientCertificate())
        .isEqualTo("CN=manager");
    manager.awaitLog(
        j ->
            j.path("msg")
                .asText()
                .startsWith("CMS link up: connected to 127.0.0.1:" + port + " with mTLS"),
        WAIT);

    cms.close();
    RecordingCms impostor = mutualTlsCms(port, "stranger");
    JsonNode refused =
        manager.awaitLog(
            j ->
                j.path("msg").asText().startsWith("CMS link down:")
                    && j.path("msg").asText().contains("unable to find valid certification path"),
            WAIT);
    System.out.println("refusal of a stranger CMS: " + refused.path("msg").asText());
    assertThat(refused.path("msg").asText())
        .startsWith("CMS link down: UNAVAILABLE: ")
        .doesNotContain("\n");
    assertThat(impostor.hellos()).isEmpty();
    assertThat(impostor.server.sessions()).isEmpty();
  }

  @Test
  void aManagerWithoutAClientCertificateIsRefusedByAMutualTlsCms() throws Exception {
    RecordingCms cms = mutualTlsCms(0, "cms");
    // at debug, every failed attempt is logged ("CMS link still down" once the reason repeats)
    ManagerProcess manager = manager(cms.port(), false, "debug");
    manager.awaitLog(
        j ->
            j.path("msg")
                .asText()
                .startsWith(
                    "CMS link: connecting to 127.0.0.1:" + cms.port() + " with TLS as manager "),
        WAIT);
    JsonNode refused = awaitLinkDown(manager);
    System.out.println("refusal by a mutual TLS CMS: " + refused.path("msg").asText());
    assertThat(refused.path("msg").asText()).containsIgnoringCase("certificate");
    // and the next attempt fails the same way
    await()
        .atMost(WAIT)
        .until(
            () ->
                manager.jsonLines().stream()
                        .filter(
                            j ->
                                j.path("msg").asText().matches("CMS link (still )?down: .*")
                                    && j.path("msg").asText().toLowerCase().contains("certificate"))
                        .count()
                    >= 2);
    assertThat(cms.hellos()).isEmpty();
    assertThat(cms.server.sessions()).isEmpty();
  }
}
