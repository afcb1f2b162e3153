package io.cocos.manager.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.cocos.manager.api.AttestationPolicyReq;
import io.cocos.manager.api.CVMInfoReq;
import io.cocos.manager.api.CVMInfoRes;
import io.cocos.manager.api.CreateReq;
import io.cocos.manager.api.CreateRes;
import io.cocos.manager.api.CvmSummary;
import io.cocos.manager.api.ListVmsReq;
import io.cocos.manager.api.ManagerServiceGrpc;
import io.cocos.manager.api.RemoveReq;
import io.cocos.manager.core.config.ConfigException;
import io.cocos.manager.core.config.Env;
import io.cocos.manager.core.cvm.CvmRecord;
import io.cocos.manager.core.event.CvmEvent;
import io.cocos.manager.core.event.CvmEventType;
import io.cocos.manager.core.testing.ManagerEnvironments;
import io.cocos.manager.core.testing.TestPki;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API through gRPC's in-process transport (the whole server: interceptors, health, reflection;
 * no socket), against a manager whose QEMU is the fake script. TCP and TLS: TlsTest,
 * ManagerProcessIT.
 */
class ManagerApiTest {
  @TempDir Path tmp;
  final List<AutoCloseable> toClose = new ArrayList<>();

  /** The in-process server's name: one per test. */
  final String serverName = InProcessServerBuilder.generateName();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  ManagerDaemon start(Map<String, String> env) throws Exception {
    ManagerDaemon daemon =
        ManagerDaemon.start(new Env(env), config -> InProcessServerBuilder.forName(serverName));
    toClose.add(
        () -> {
          // remove what the test left so no fake QEMU outlives it, then stop serving
          for (var r : daemon.lifecycle().listVms()) {
            daemon.lifecycle().removeVm(r.id());
          }
          daemon.close();
        });
    return daemon;
  }

  ManagedChannel channel() {
    ManagedChannel channel = InProcessChannelBuilder.forName(serverName).build();
    toClose.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return channel;
  }

  ManagerServiceGrpc.ManagerServiceBlockingStub client() {
    return ManagerServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @Test
  void createInfoListAndRemoveACvm() throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    env.put("MANAGER_QEMU_OVMF_VERSION", "edk2-stable202408");
    env.put("MANAGER_EOS_VERSION", "0.7.0");
    env.put("MANAGER_QEMU_SMP_COUNT", "2");
    start(env);
    var stub = client();
    TestPki pki = new TestPki("cvms-ca");
    TestPki.Identity agent = pki.issue("agent");

    CreateRes created =
        stub.createVm(
            CreateReq.newBuilder()
                .setAgentLogLevel("debug")
                .setAgentCvmServerUrl("10.0.2.2:7001")
                .setAgentCvmServerCaCert(ByteString.copyFrom(pki.caBytes()))
                .setAgentCvmClientCert(ByteString.copyFrom(agent.certBytes()))
                .setAgentCvmClientKey(ByteString.copyFrom(agent.keyBytes()))
                .setTtl("1h")
                .build());

    assertThat(UUID.fromString(created.getCvmId())).isNotNull();
    int firstPort = Integer.parseInt(env.get("MANAGER_QEMU_HOST_FWD_RANGE").split("-")[0]);
    assertThat(Integer.parseInt(created.getForwardedPort())).isBetween(firstPort, firstPort + 19);
    Path dir = tmp.resolve("state/cvms").resolve(created.getCvmId());
    assertThat(dir.resolve("env/environment"))
        .content()
        .contains("AGENT_CVM_GRPC_URL=10.0.2.2:7001");
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(dir.resolve("console.log"))
                    .content()
                    .contains("hostfwd=tcp::" + created.getForwardedPort() + "-:7002")
                    .contains("fsdev local,id=cert_fs,path=" + dir.resolve("certs")));

    CVMInfoRes info = stub.cVMInfo(CVMInfoReq.newBuilder().setId(created.getCvmId()).build());
    assertThat(info.getId()).isEqualTo(created.getCvmId());
    assertThat(info.getOvmfVersion()).isEqualTo("edk2-stable202408");
    assertThat(info.getCpuNum()).isEqualTo(2);
    assertThat(info.getCpuType()).isEqualTo("EPYC");
    assertThat(info.getKernelCmd()).isEqualTo("console=ttyS0");
    assertThat(info.getEosVersion()).isEqualTo("0.7.0");

    CvmSummary summary = stub.listVms(ListVmsReq.getDefaultInstance()).getCvms(0);
    assertThat(summary.getState()).isEqualTo("running");
    assertThat(summary.getTee()).isEqualTo("none");
    assertThat(summary.getGuestCid()).isEqualTo(3);
    assertThat(summary.hasTtlDeadline()).isTrue();
    long pid = summary.getPid();
    assertThat(ProcessHandle.of(pid)).isPresent();

    stub.removeVm(RemoveReq.newBuilder().setCvmId(created.getCvmId()).build());

    assertThat(GuestBootIT.ended(pid))
        .as("QEMU ended (its parent, not the manager, reaps it)")
        .isTrue();
    assertThat(dir).doesNotExist();
    assertThat(stub.listVms(ListVmsReq.getDefaultInstance()).getCvmsList()).isEmpty();
  }

  @Test
  void failuresReachTheClientAsStatusCodesWithOneReadableLine() throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    env.put("MANAGER_MAX_VMS", "1");
    start(env);
    var stub = client();

    assertStatus(
        () -> stub.removeVm(RemoveReq.newBuilder().setCvmId("missing").build()),
        Status.Code.NOT_FOUND,
        "no CVM with id missing");
    assertStatus(
        () -> stub.cVMInfo(CVMInfoReq.newBuilder().setId("missing").build()),
        Status.Code.NOT_FOUND,
        "no CVM with id missing");
    assertStatus(
        () -> stub.createVm(CreateReq.newBuilder().setTtl("soon").build()),
        Status.Code.INVALID_ARGUMENT,
        "ttl \"soon\" is not a duration");
    assertStatus(
        () ->
            stub.createVm(
                CreateReq.newBuilder().setAgentCvmServerUrl("h:1\nAGENT_CVM_ID=x").build()),
        Status.Code.INVALID_ARGUMENT,
        "agent_cvm_server_url contains a control character");
    assertStatus(
        () ->
            stub.createVm(
                CreateReq.newBuilder()
                    .setAgentCvmServerCaCert(
                        ByteString.copyFromUtf8(
                            "-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----\n"))
                    .build()),
        Status.Code.INVALID_ARGUMENT,
        "agent_cvm_server_ca_cert is not valid PEM");

    CreateRes created = stub.createVm(CreateReq.getDefaultInstance());
    assertStatus(
        () -> stub.createVm(CreateReq.getDefaultInstance()),
        Status.Code.RESOURCE_EXHAUSTED,
        "MANAGER_MAX_VMS reached");
    assertStatus(
        () ->
            stub.attestationPolicy(
                AttestationPolicyReq.newBuilder().setId(created.getCvmId()).build()),
        Status.Code.FAILED_PRECONDITION,
        "runs without SEV-SNP or TDX");
    stub.removeVm(RemoveReq.newBuilder().setCvmId(created.getCvmId()).build());
    try (var dirs = Files.list(tmp.resolve("state/cvms"))) {
      assertThat(dirs).isEmpty();
    }
  }

  @Test
  void aQemuThatDiesAtOnceFailsCreateVmWithItsOwnErrorAndLeavesNothing() throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    env.put("MANAGER_QEMU_KERNEL_CMDLINE", "console=ttyS0 fake.mode=die");
    ManagerDaemon daemon = start(env);
    var stub = client();

    assertStatus(
        () -> stub.createVm(CreateReq.getDefaultInstance()),
        Status.Code.FAILED_PRECONDITION,
        "-device virtio-9p-pci,fsdev=cert_fs: fake failure at start");
    try (var dirs = Files.list(tmp.resolve("state/cvms"))) {
      assertThat(dirs).isEmpty();
    }
    assertThat(daemon.lifecycle().ports().unheld()).isEqualTo(20);
  }

  @Test
  void aQemuThatExitsOnItsOwnIsSeenAsExitedWithItsOwnCode() throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    env.put("MANAGER_QEMU_KERNEL_CMDLINE", "fake.mode=exit-later");
    ManagerDaemon daemon = start(env);
    List<CvmEvent> events = new CopyOnWriteArrayList<>();
    toClose.add(daemon.lifecycle().subscribe(events::add));
    var stub = client();
    CreateRes created = stub.createVm(CreateReq.getDefaultInstance());
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                stub.listVms(ListVmsReq.getDefaultInstance())
                    .getCvms(0)
                    .getState()
                    .equals("exited"));
    CvmSummary exited = stub.listVms(ListVmsReq.getDefaultInstance()).getCvms(0);
    // it crashed (exit 3, no SHUTDOWN event); its wrapper shell, QEMU's parent, kept the code
    assertThat(exited.getExitCode()).isEqualTo(3);
    assertThat(events)
        .filteredOn(e -> e.type() == CvmEventType.EXITED)
        .singleElement()
        .extracting(CvmEvent::detail)
        .isEqualTo("exit code 3");
    assertThat(daemon.lifecycle().ports().unheld()).isEqualTo(20);
    stub.removeVm(RemoveReq.newBuilder().setCvmId(created.getCvmId()).build());
  }

  @Test
  void aQemuThatEndsWhileNoManagerRunsIsListedExitedWithItsStatusAfterTheRestart()
      throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    ManagerDaemon first =
        ManagerDaemon.start(new Env(env), config -> InProcessServerBuilder.forName(serverName));
    CreateRes created;
    CvmRecord record;
    try {
      created = client().createVm(CreateReq.getDefaultInstance());
      record = first.lifecycle().listVms().get(0);
    } finally {
      first.close(); // QEMU runs on, unwatched
    }
    Path dir = tmp.resolve("state/cvms").resolve(created.getCvmId());
    ProcessHandle.of(record.pid()).orElseThrow().destroyForcibly();
    await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(dir.resolve("vm/qemu.status")));

    start(env);

    CvmSummary exited = client().listVms(ListVmsReq.getDefaultInstance()).getCvms(0);
    assertThat(exited.getId()).isEqualTo(created.getCvmId());
    assertThat(exited.getState()).isEqualTo("exited");
    assertThat(exited.getExitCode()).isEqualTo(128 + 9);
    assertThat(dir.resolve("console.log")).content().contains("fake-qemu: console line 1");
    assertThat(dir.resolve("certs")).doesNotExist();
  }

  @Test
  void aGuestThatPowersItselfOffEndsExitedWithQmpsReason() throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    env.put("MANAGER_QEMU_KERNEL_CMDLINE", "fake.mode=poweroff-later");
    ManagerDaemon daemon = start(env);
    List<CvmEvent> events = new CopyOnWriteArrayList<>();
    toClose.add(daemon.lifecycle().subscribe(events::add));
    var stub = client();
    CreateRes created = stub.createVm(CreateReq.getDefaultInstance());
    assertThat(stub.listVms(ListVmsReq.getDefaultInstance()).getCvms(0).getGuestStatus())
        .isEqualTo("running");

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                stub.listVms(ListVmsReq.getDefaultInstance())
                    .getCvms(0)
                    .getState()
                    .equals("exited"));

    CvmSummary exited = stub.listVms(ListVmsReq.getDefaultInstance()).getCvms(0);
    assertThat(exited.getExitCode()).isZero();
    assertThat(exited.getGuestStatus()).isEqualTo("shutdown");
    assertThat(events)
        .filteredOn(e -> e.cvmId().equals(created.getCvmId()))
        .extracting(CvmEvent::type)
        .containsSubsequence(
            CvmEventType.RUNNING, CvmEventType.GUEST_SHUTDOWN, CvmEventType.EXITED);
    assertThat(events)
        .filteredOn(e -> e.type() == CvmEventType.EXITED)
        .singleElement()
        .extracting(CvmEvent::detail)
        .isEqualTo("exit code 0, shutdown reason guest-shutdown");
  }

  @Test
  void aPanickedGuestIsListedAsSuchAndIsAnEvent() throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    env.put("MANAGER_QEMU_KERNEL_CMDLINE", "fake.mode=panic-later");
    ManagerDaemon daemon = start(env);
    List<CvmEvent> events = new CopyOnWriteArrayList<>();
    toClose.add(daemon.lifecycle().subscribe(events::add));
    var stub = client();
    stub.createVm(CreateReq.getDefaultInstance());

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                stub.listVms(ListVmsReq.getDefaultInstance())
                    .getCvms(0)
                    .getGuestStatus()
                    .equals("guest-panicked"));

    assertThat(stub.listVms(ListVmsReq.getDefaultInstance()).getCvms(0).getState())
        .isEqualTo("running");
    assertThat(events)
        .filteredOn(e -> e.type() == CvmEventType.GUEST_PANICKED)
        .singleElement()
        .extracting(CvmEvent::detail)
        .isEqualTo("action pause");
  }

  @Test
  void aCallLongerThanTheTimeoutIsCutOffWhileOtherCallsGoOn() throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    env.put(
        "MANAGER_GRPC_TIMEOUT",
        "2s"); // a CreateVm (the fake answering QMP) fits, the removal does not
    env.put("MANAGER_QEMU_STOP_TIMEOUT", "4s");
    env.put("MANAGER_QEMU_POWERDOWN_TIMEOUT", "0s");
    env.put("MANAGER_QEMU_KERNEL_CMDLINE", "fake.mode=ignore-term");
    start(env);
    var stub = client();
    CreateRes stubborn = stub.createVm(CreateReq.getDefaultInstance());
    long pid = stub.listVms(ListVmsReq.getDefaultInstance()).getCvms(0).getPid();

    CompletableFuture<Status.Code> removal =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                stub.removeVm(RemoveReq.newBuilder().setCvmId(stubborn.getCvmId()).build());
                return Status.Code.OK;
              } catch (StatusRuntimeException e) {
                return e.getStatus().getCode();
              }
            });
    await()
        .until(
            () ->
                stub.listVms(ListVmsReq.getDefaultInstance())
                    .getCvms(0)
                    .getState()
                    .equals("stopping"));
    // the stuck removal does not hold up calls about other CVMs
    CreateRes other = stub.createVm(CreateReq.getDefaultInstance());
    assertThat(removal.get(5, TimeUnit.SECONDS)).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    // the removal itself still completes: QMP quit unanswered for the stop timeout, SIGTERM ignored
    // for as long, then SIGKILL, reaped
    await().atMost(Duration.ofSeconds(20)).until(() -> ProcessHandle.of(pid).isEmpty());
    await().until(() -> stub.listVms(ListVmsReq.getDefaultInstance()).getCvmsCount() == 1);
    assertThat(stub.listVms(ListVmsReq.getDefaultInstance()).getCvms(0).getId())
        .isEqualTo(other.getCvmId());
  }

  @Test
  void healthAndReflectionAreServed() throws Exception {
    start(ManagerEnvironments.fakeQemuEnv(tmp));
    ManagedChannel channel = channel();
    assertThat(
            HealthGrpc.newBlockingStub(channel)
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(
            HealthGrpc.newBlockingStub(channel)
                .check(HealthCheckRequest.newBuilder().setService("manager.ManagerService").build())
                .getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

    CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
    var request =
        ServerReflectionGrpc.newStub(channel)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse value) {
                    answer.complete(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    answer.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    request.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    request.onCompleted();
    assertThat(answer.get(5, TimeUnit.SECONDS).getListServicesResponse().getServiceList())
        .extracting(s -> s.getName())
        .contains("manager.ManagerService", "grpc.health.v1.Health");
  }

  @Test
  void aBadConfigurationStopsStartUpNamingTheVariable() throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    env.put("MANAGER_QEMU_HOST_FWD_RANGE", "6200-6100");
    assertThatThrownBy(() -> ManagerDaemon.start(new Env(env)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("MANAGER_QEMU_HOST_FWD_RANGE=\"6200-6100\": expected");
    env.remove("MANAGER_QEMU_HOST_FWD_RANGE");
    env.put("MANAGER_GRPC_SERVER_CERT", tmp.resolve("missing.pem").toString());
    assertThatThrownBy(() -> ManagerDaemon.start(new Env(env)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("MANAGER_GRPC_SERVER_CERT=\"" + tmp.resolve("missing.pem") + "\"");
  }

  @Test
  void aStateDirTooLongForTheQmpSocketsStopsStartUpNamingIt() throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    Path deep = tmp.resolve("x".repeat(60));
    env.put("MANAGER_STATE_DIR", deep.toString());
    assertThatThrownBy(() -> ManagerDaemon.start(new Env(env)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("MANAGER_STATE_DIR=\"" + tmp)
        .hasMessageContaining("QMP socket under it (cvms/<id>/vm/qmp.sock) would be 1")
        .hasMessageContaining("bytes, more than the 107 a Unix socket allows")
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(300));
    assertThat(deep).doesNotExist();
  }

  static void assertStatus(Runnable call, Status.Code code, String messagePart) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              assertThat(e.getStatus().getDescription()).contains(messagePart).doesNotContain("\n");
            });
  }
}
