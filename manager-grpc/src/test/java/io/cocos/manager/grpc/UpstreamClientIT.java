package io.cocos.manager.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.cocos.manager.api.LifecycleEvent;
import io.cocos.manager.api.WatchEventsReq;
import io.cocos.manager.core.testing.ManagerEnvironments;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import manager.Manager.CVMInfoReq;
import manager.Manager.CreateReq;
import manager.Manager.CreateRes;
import manager.Manager.RemoveReq;
import manager.ManagerServiceGrpc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client generated from upstream HEAD's own manager.proto (src/test/protobuf/upstream, Java
 * package "manager") against the real manager process: every field of CreateReq reaches the agent's
 * environment file or its kernel command line, or is refused with INVALID_ARGUMENT; the secrets
 * never appear in the manager's output (at debug level), its events or its errors.
 */
class UpstreamClientIT {
  static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  static final String TOKEN = "certs-token-1f6e0c2d";
  static final String KBS = "protocol=http,type=kbs,url=http://10.0.2.2:8080";

  @TempDir Path tmp;
  final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  static CreateReq.Builder everyField() {
    return CreateReq.newBuilder()
        .setAgentLogLevel("debug")
        .setAgentCvmServerUrl("10.0.2.2:7001")
        .setAgentCvmCaUrl("https://ca.example:9010")
        .setTtl("1h")
        .setAgentCertsToken(TOKEN)
        .setAwsAccessKeyId("AKIAIOSFODNN7EXAMPLE")
        .setAwsSecretAccessKey(SECRET)
        .setAwsEndpointUrl("http://10.0.2.2:9000")
        .setAwsRegion("us-east-1")
        .setAaKbsParams(KBS);
  }

  @Test
  void everyFieldReachesTheAgentOrIsRefusedAndNoSecretIsEverPrinted() throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    env.put("MANAGER_LOG_LEVEL", "debug");
    ManagerProcess manager = ManagerProcess.startServing(env);
    toClose.add(manager);
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", manager.grpcPort()).usePlaintext().build();
    toClose.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    var upstream =
        ManagerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    List<LifecycleEvent> events = watchEvents(manager);

    CreateRes created = upstream.createVm(everyField().build());

    Path dir = tmp.resolve("state/cvms").resolve(created.getCvmId());
    Path environment = dir.resolve("env/environment");
    assertThat(environment)
        .content()
        .contains(
            "AGENT_LOG_LEVEL=debug\n",
            "AGENT_CVM_GRPC_URL=10.0.2.2:7001\n",
            "AGENT_CVM_ID=" + created.getCvmId() + "\n",
            "AGENT_CVM_CA_URL=https://ca.example:9010\n",
            "AGENT_CERTS_TOKEN=" + TOKEN + "\n",
            "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n",
            "AWS_SECRET_ACCESS_KEY=" + SECRET + "\n",
            "AWS_ENDPOINT_URL=http://10.0.2.2:9000\n",
            "AWS_REGION=us-east-1\n");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(environment)))
        .isEqualTo("rw-------");
    // The fake QEMU prints its arguments on one console line.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(dir.resolve("console.log"))
                    .content()
                    .contains("console=ttyS0 agent.aa_kbc_params=" + KBS));
    assertThat(upstream.cVMInfo(CVMInfoReq.newBuilder().setId(created.getCvmId()).build()).getId())
        .isEqualTo(created.getCvmId());

    assertRefused(
        upstream,
        b -> b.setAaKbsParams("type=sample init=/bin/sh"),
        "aa_kbs_params contains a space");
    assertRefused(
        upstream, b -> b.setAaKbsParams("url=\"x\""), "aa_kbs_params contains a double quote");
    assertRefused(
        upstream,
        b -> b.setAwsEndpointUrl("minio:9000"),
        "aws_endpoint_url \"minio:9000\" is not an http(s) URL");
    assertRefused(
        upstream,
        b -> b.setAwsRegion("us east 1"),
        "aws_region \"us east 1\" is not a region name");
    assertRefused(
        upstream,
        b -> b.setAwsSecretAccessKey(SECRET + "\nAGENT_CVM_ID=x"),
        "aws_secret_access_key contains a control character");
    assertRefused(
        upstream,
        b -> b.setAwsAccessKeyId("").setAwsSecretAccessKey(SECRET),
        "aws_access_key_id and aws_secret_access_key must be given together");
    assertRefused(
        upstream,
        b -> b.setAgentCertsToken(TOKEN + "\r"),
        "agent_certs_token contains a control character");
    assertRefused(
        upstream,
        b -> b.setAwsEndpointUrl("https://user:" + SECRET + "@minio:9000"),
        "aws_endpoint_url must not hold user information");

    upstream.removeVm(RemoveReq.newBuilder().setCvmId(created.getCvmId()).build());
    assertThat(dir).doesNotExist();
    assertThat(manager.jsonLines())
        .anySatisfy(j -> assertThat(j.path("level").asText()).isEqualTo("DEBUG"));
    assertThat(events).isNotEmpty();
    assertNothingShows(
        String.join("\n", manager.stdout) + String.join("\n", manager.stderr) + events);
  }

  /**
   * A refused request leaves no CVM behind and its error names the field without quoting a secret.
   */
  private void assertRefused(
      ManagerServiceGrpc.ManagerServiceBlockingStub upstream,
      UnaryOperator<CreateReq.Builder> change,
      String message) {
    assertThatThrownBy(() -> upstream.createVm(change.apply(everyField()).build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).contains(message);
              assertNothingShows(e.getStatus().getDescription());
            });
  }

  static void assertNothingShows(String text) {
    assertThat(text)
        .doesNotContain(SECRET)
        .doesNotContain(TOKEN)
        .doesNotContain(SECRET.substring(0, 12));
  }

  private List<LifecycleEvent> watchEvents(ManagerProcess manager) throws InterruptedException {
    List<LifecycleEvent> events = new CopyOnWriteArrayList<>();
    Iterator<LifecycleEvent> watch =
        manager
            .client()
            .withDeadlineAfter(60, TimeUnit.SECONDS)
            .watchEvents(WatchEventsReq.getDefaultInstance());
    Thread reader =
        new Thread(
            () -> {
              try {
                watch.forEachRemaining(events::add);
              } catch (StatusRuntimeException e) {
                // the manager stops at the end of the test
              }
            });
    reader.setDaemon(true);
    reader.start();
    return events;
  }
}
