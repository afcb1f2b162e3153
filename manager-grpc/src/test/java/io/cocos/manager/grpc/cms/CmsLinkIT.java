package io.cocos.manager.grpc.cms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cocos.manager.api.AttestationPolicyReq;
import io.cocos.manager.api.CVMInfoReq;
import io.cocos.manager.api.CreateReq;
import io.cocos.manager.api.CreateRes;
import io.cocos.manager.api.CvmSummary;
import io.cocos.manager.api.ListVmsReq;
import io.cocos.manager.api.RemoveReq;
import io.cocos.manager.cms.api.Hello;
import io.cocos.manager.cms.api.LifecycleEvent;
import io.cocos.manager.cms.api.Request;
import io.cocos.manager.cms.api.Response;
import io.cocos.manager.cms.api.StatusCode;
import io.cocos.manager.core.testing.ManagerEnvironments;
import io.cocos.manager.grpc.ManagerProcess;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The link end to end: the real manager (its jar, a fake QEMU) dials a test CMS in this JVM over a
 * real socket.
 */
class CmsLinkIT {
  static final Duration WAIT = Duration.ofSeconds(15);
  static final Pattern LEVEL = Pattern.compile("attempts now ~(\\d+)s apart");

  @TempDir Path tmp;
  final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  RecordingCms cms(int port) throws Exception {
    RecordingCms cms = RecordingCms.start(port);
    toClose.add(cms);
    return cms;
  }

  ManagerProcess manager(Map<String, String> env) throws Exception {
    ManagerProcess m = ManagerProcess.startServing(env);
    toClose.add(
        () -> {
          // remove what the test left so no fake QEMU outlives the manager
          if (m.process.isAlive()) {
            for (CvmSummary c : m.client().listVms(ListVmsReq.getDefaultInstance()).getCvmsList()) {
              m.client().removeVm(RemoveReq.newBuilder().setCvmId(c.getId()).build());
            }
          }
          m.close();
        });
    return m;
  }

  Map<String, String> managerEnv(int cmsPort) throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    env.put("MANAGER_CMS_URL", "127.0.0.1:" + cmsPort);
    return env;
  }

  static List<JsonNode> linkLog(ManagerProcess m) {
    return m.jsonLines().stream()
        .filter(j -> j.path("logger").asText().endsWith("CmsLink"))
        .toList();
  }

  static Request.Builder create(CreateReq req) {
    return Request.newBuilder().setCreate(req);
  }

  @Test
  void theCmsRunsRequestsByIdAndGetsTheApisAnswersEventsAndConsoleLines() throws Exception {
    RecordingCms cms = cms(0);
    Map<String, String> env = managerEnv(cms.port());
    env.put("MANAGER_INSTANCE_ID", "manager-under-test");
    env.put("MANAGER_QEMU_OVMF_VERSION", "edk2-stable202408");
    env.put("MANAGER_EOS_VERSION", "0.7.0");
    env.put("MANAGER_QEMU_SMP_COUNT", "2");
    env.put("MANAGER_QEMU_STARTUP_GRACE", "1s"); // a slow CreateVm
    ManagerProcess manager = manager(env);

    Hello hello = cms.awaitHello(1, WAIT);
    assertThat(hello.getInstanceId()).isEqualTo("manager-under-test");
    assertThat(hello.getManagerVersion()).isEqualTo("0.1.0-SNAPSHOT");
    assertThat(hello.getTee()).isEqualTo("none");
    assertThat(hello.getGuest().getOvmfVersion()).isEqualTo("edk2-stable202408");
    assertThat(hello.getGuest().getCpuNum()).isEqualTo(2);
    assertThat(hello.getGuest().getCpuType()).isEqualTo("EPYC");
    assertThat(hello.getGuest().getKernelCmd()).isEqualTo("console=ttyS0");
    assertThat(hello.getGuest().getEosVersion()).isEqualTo("0.7.0");
    assertThat(hello.getCvmsList()).isEmpty();
    assertThat(hello.getEventsDropped()).isZero();
    manager.awaitLog(
        j ->
            j.path("msg")
                .asText()
                .startsWith("CMS link up: connected to 127.0.0.1:" + cms.port() + " without TLS"),
        WAIT);
    // the link's state shows in /health
    String health =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + manager.httpPort() + "/health"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(health).contains("\"cms_link\":\"connected\"");
    assertThat(linkLog(manager))
        .anySatisfy(j -> assertThat(j.path("level").asText()).isEqualTo("WARN"))
        .anySatisfy(
            j ->
                assertThat(j.path("msg").asText())
                    .startsWith(
                        "CMS link to 127.0.0.1:"
                            + cms.port()
                            + " without TLS: set MANAGER_GRPC_SERVER_CA_CERTS"));

    // create, then the same request id again: one CVM, the same answer twice
    Request first =
        create(CreateReq.newBuilder().setAgentCvmServerUrl("10.0.2.2:7001").build())
            .setRequestId("create-1")
            .build();
    cms.send(first);
    Response created = cms.awaitResponse("create-1", WAIT);
    String cvmId = created.getCreate().getCvmId();
    assertThat(created.getCreate().getForwardedPort()).isNotEmpty();
    cms.send(first);
    await().atMost(WAIT).until(() -> cms.responses("create-1").size() == 2);
    assertThat(cms.responses("create-1")).containsOnly(created);
    assertThat(manager.client().listVms(ListVmsReq.getDefaultInstance()).getCvmsList())
        .extracting(CvmSummary::getId)
        .containsExactly(cvmId);
    manager.awaitLog(
        j -> j.path("msg").asText().startsWith("CMS request create-1 (CREATE) was sent again"),
        WAIT);

    cms.awaitEvent(e -> e.getCvmId().equals(cvmId) && e.getType().equals("running"), WAIT);
    cms.awaitConsoleLine(
        l -> l.getCvmId().equals(cvmId) && l.getText().startsWith("fake-qemu: console line"), WAIT);
    assertThat(cms.events()).extracting(LifecycleEvent::getType).startsWith("created", "running");

    // a slow create does not hold up a remove sent after it
    String slowCreate = cms.request(create(CreateReq.getDefaultInstance()));
    String remove =
        cms.request(Request.newBuilder().setRemove(RemoveReq.newBuilder().setCvmId(cvmId)));
    cms.awaitResponse(remove, WAIT);
    assertThat(cms.responses(slowCreate))
        .as("the create is still running when the remove is answered")
        .isEmpty();
    assertThat(cms.responses(remove).get(0).hasRemove()).isTrue();
    String secondId = cms.awaitResponse(slowCreate, WAIT).getCreate().getCvmId();

    // the other requests answer what the gRPC API answers, errors with the API's codes and words
    Response info =
        cms.awaitResponse(
            cms.request(Request.newBuilder().setCvmInfo(CVMInfoReq.newBuilder().setId(secondId))),
            WAIT);
    assertThat(info.getCvmInfo())
        .isEqualTo(manager.client().cVMInfo(CVMInfoReq.newBuilder().setId(secondId).build()));
    Response list =
        cms.awaitResponse(
            cms.request(Request.newBuilder().setList(ListVmsReq.getDefaultInstance())), WAIT);
    assertThat(list.getList().getCvmsList())
        .extracting(CvmSummary::getId)
        .containsExactly(secondId);
    Response policy =
        cms.awaitResponse(
            cms.request(
                Request.newBuilder()
                    .setAttestationPolicy(AttestationPolicyReq.newBuilder().setId(secondId))),
            WAIT);
    try {
      var viaApi =
          manager
              .client()
              .attestationPolicy(AttestationPolicyReq.newBuilder().setId(secondId).build());
      assertThat(policy.getAttestationPolicy()).isEqualTo(viaApi);
    } catch (StatusRuntimeException e) {
      assertThat(policy.getError().getCode().getNumber())
          .isEqualTo(e.getStatus().getCode().value());
    }
    Response missing =
        cms.awaitResponse(
            cms.request(
                Request.newBuilder().setRemove(RemoveReq.newBuilder().setCvmId("no-such-cvm"))),
            WAIT);
    assertThat(missing.getError().getCode()).isEqualTo(StatusCode.NOT_FOUND);
    assertThat(missing.getError().getMessage()).isEqualTo("no CVM with id no-such-cvm");
    Response badTtl =
        cms.awaitResponse(cms.request(create(CreateReq.newBuilder().setTtl("soon").build())), WAIT);
    assertThat(badTtl.getError().getCode()).isEqualTo(StatusCode.INVALID_ARGUMENT);

    // events come in order, numbered without gaps
    cms.awaitEvent(e -> e.getCvmId().equals(cvmId) && e.getType().equals("removed"), WAIT);
    List<LifecycleEvent> events = cms.events();
    for (int i = 0; i < events.size(); i++) {
      assertThat(events.get(i).getSequence()).isEqualTo(i + 1);
    }
    // removal asks the guest first: the stand-in powers off and QMP reports it before the removal
    // ends
    assertThat(events.stream().filter(e -> e.getCvmId().equals(cvmId)).map(LifecycleEvent::getType))
        .containsExactly("created", "running", "stopping", "guest-shutdown", "removed");
  }

  @Test
  void whileTheCmsIsDownTheApiServesTheLinkBacksOffAndTheReconnectCatchesUp() throws Exception {
    RecordingCms cms = cms(0);
    int port = cms.port();
    ManagerProcess manager = manager(managerEnv(port));
    cms.awaitHello(1, WAIT);
    String kept =
        cms.awaitResponse(cms.request(create(CreateReq.getDefaultInstance())), WAIT)
            .getCreate()
            .getCvmId();
    cms.awaitEvent(e -> e.getCvmId().equals(kept) && e.getType().equals("running"), WAIT);
    int eventsBefore = cms.events().size();

    cms.close(); // the CMS dies
    CreateRes viaApi = manager.client().createVm(CreateReq.getDefaultInstance());
    manager.client().removeVm(RemoveReq.newBuilder().setCvmId(viaApi.getCvmId()).build());
    manager.awaitLog(j -> j.path("msg").asText().contains("attempts now ~4s apart"), WAIT);

    RecordingCms back = cms(port);
    Hello hello = back.awaitHello(1, WAIT);
    assertThat(hello.getCvmsList()).extracting(CvmSummary::getId).containsExactly(kept);
    assertThat(hello.getEventsDropped()).isZero();
    back.awaitEvent(e -> e.getType().equals("removed"), WAIT);
    List<LifecycleEvent> buffered = back.events();
    assertThat(buffered).extracting(LifecycleEvent::getCvmId).containsOnly(viaApi.getCvmId());
    assertThat(buffered)
        .extracting(LifecycleEvent::getType)
        .containsExactly("created", "running", "stopping", "guest-shutdown", "removed");
    assertThat(buffered)
        .extracting(LifecycleEvent::getSequence)
        .containsExactly(
            eventsBefore + 1L,
            eventsBefore + 2L,
            eventsBefore + 3L,
            eventsBefore + 4L,
            eventsBefore + 5L);

    // each delay level is logged once, and the delays grew
    List<JsonNode> down =
        linkLog(manager).stream()
            .filter(j -> j.path("msg").asText().startsWith("CMS link down"))
            .toList();
    List<Integer> levels = down.stream().map(j -> level(j.path("msg").asText())).toList();
    assertThat(levels).containsExactly(1, 2, 4);
    assertThat(seconds(down.get(0), down.get(1))).isBetween(0.7, 2.0);
    assertThat(seconds(down.get(1), down.get(2))).isBetween(1.5, 3.5);
    assertThat(
            linkLog(manager).stream().filter(j -> j.path("msg").asText().startsWith("CMS link up")))
        .hasSize(2);
  }

  @Test
  void whenTheCmsSaysTerminateTheManagerLogsTheReasonDisconnectsAndComesBackLater()
      throws Exception {
    RecordingCms cms = cms(0);
    ManagerProcess manager = manager(managerEnv(cms.port()));
    cms.awaitHello(1, WAIT);

    cms.terminate("maintenance window");
    manager.awaitLog(
        j ->
            j.path("msg")
                .asText()
                .equals(
                    "CMS link down: the CMS asked the manager to disconnect: maintenance window; retrying, attempts now ~1s apart"),
        WAIT);
    assertThat(cms.disconnects).containsExactly("terminated by the CMS: maintenance window");
    cms.awaitHello(2, WAIT);
    assertThat(cms.server.sessions()).hasSize(1);
  }

  @Test
  void aCmsThatVanishesWithoutClosingTheConnectionIsNoticedByKeepaliveWithinSeconds()
      throws Exception {
    RecordingCms cms = cms(0);
    FreezableProxy network = new FreezableProxy(cms.port());
    toClose.add(network);
    ManagerProcess manager = manager(managerEnv(network.port()));
    cms.awaitHello(1, WAIT);

    network.freeze();
    long frozenAt = System.nanoTime();
    JsonNode down =
        manager.awaitLog(
            j -> j.path("msg").asText().startsWith("CMS link down:"), Duration.ofSeconds(30));
    double noticedAfter = (System.nanoTime() - frozenAt) / 1e9;
    System.out.printf(
        "a silent CMS was noticed after %.1f s: %s%n", noticedAfter, down.path("msg").asText());
    assertThat(noticedAfter)
        .as("keepalive: a ping within 10 s, its answer due within 5 s")
        .isLessThan(20);
    assertThat(down.path("msg").asText()).contains("UNAVAILABLE");
  }

  private static int level(String msg) {
    Matcher m = LEVEL.matcher(msg);
    assertThat(m.find()).as(msg).isTrue();
    return Integer.parseInt(m.group(1));
  }

  private static double seconds(JsonNode from, JsonNode to) {
    return Duration.between(
                OffsetDateTime.parse(from.path("time").asText()),
                OffsetDateTime.parse(to.path("time").asText()))
            .toMillis()
        / 1000.0;
  }
}
