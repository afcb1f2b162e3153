package io.cocos.manager.grpc.cms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cocos.manager.api.CreateReq;
import io.cocos.manager.api.RemoveReq;
import io.cocos.manager.cms.api.Request;
import io.cocos.manager.cms.api.Response;
import io.cocos.manager.cms.api.StatusCode;
import io.cocos.manager.core.testing.ManagerEnvironments;
import io.cocos.manager.grpc.ManagerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CMS link carries CreateReq fields 8–13 to the agent, and their secrets stay out of the
 * manager's log.
 */
class CmsCreateFieldsIT {
  static final Duration WAIT = Duration.ofSeconds(15);
  static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  static final String TOKEN = "cms-certs-token-93b1";

  @TempDir Path tmp;
  final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  @Test
  void aCreateFromTheCmsGetsTokenStorageAndKbsParametersToTheAgent() throws Exception {
    RecordingCms cms = RecordingCms.start(0);
    toClose.add(cms);
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    env.put("MANAGER_CMS_URL", "127.0.0.1:" + cms.port());
    env.put("MANAGER_LOG_LEVEL", "debug");
    ManagerProcess manager = ManagerProcess.startServing(env);
    toClose.add(manager);
    cms.awaitHello(1, WAIT);

    CreateReq.Builder create =
        CreateReq.newBuilder()
            .setAgentCvmServerUrl("10.0.2.2:7001")
            .setAgentCertsToken(TOKEN)
            .setAwsAccessKeyId("AKIAIOSFODNN7EXAMPLE")
            .setAwsSecretAccessKey(SECRET)
            .setAwsEndpointUrl("https://minio.example:9000")
            .setAwsRegion("eu-central-1")
            .setAaKbsParams("type=sample");
    Response created = cms.awaitResponse(cms.request(Request.newBuilder().setCreate(create)), WAIT);
    String cvmId = created.getCreate().getCvmId();
    Path dir = tmp.resolve("state/cvms").resolve(cvmId);
    assertThat(dir.resolve("env/environment"))
        .content()
        .contains(
            "AGENT_CERTS_TOKEN=" + TOKEN + "\n",
            "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n",
            "AWS_SECRET_ACCESS_KEY=" + SECRET + "\n",
            "AWS_ENDPOINT_URL=https://minio.example:9000\n",
            "AWS_REGION=eu-central-1\n");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(dir.resolve("console.log"))
                    .content()
                    .contains(" agent.aa_kbc_params=type=sample"));

    Response refused =
        cms.awaitResponse(
            cms.request(
                Request.newBuilder().setCreate(create.setAwsSecretAccessKey(SECRET + "\n"))),
            WAIT);
    assertThat(refused.getError().getCode()).isEqualTo(StatusCode.INVALID_ARGUMENT);
    assertThat(refused.getError().getMessage())
        .contains("aws_secret_access_key contains a control character")
        .doesNotContain(SECRET);

    cms.awaitResponse(
        cms.request(Request.newBuilder().setRemove(RemoveReq.newBuilder().setCvmId(cvmId))), WAIT);
    String log = manager.jsonLines().toString();
    assertThat(log).contains("CreateVM").doesNotContain(SECRET).doesNotContain(TOKEN);
    assertThat(cms.events().toString()).doesNotContain(SECRET).doesNotContain(TOKEN);
  }
}
