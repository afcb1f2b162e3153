package io.cocos.manager.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.cocos.manager.api.CreateReq;
import io.cocos.manager.api.CreateRes;
import io.cocos.manager.api.CvmSummary;
import io.cocos.manager.api.ListVmsReq;
import io.cocos.manager.api.RemoveReq;
import io.cocos.manager.api.StreamLogsReq;
import io.cocos.manager.core.testing.ManagerEnvironments;
import io.cocos.manager.core.testing.TestPki;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: the manager process boots the test guest (a real kernel and a busybox stand-in for
 * the agent, built by `make guest`) under real QEMU with TCG, through the gRPC API.
 */
class GuestBootIT {
  static final Duration BOOT = Duration.ofSeconds(150);

  @TempDir Path tmp;
  ManagerProcess manager;
  Map<String, String> env;

  @BeforeEach
  void startManager() throws Exception {
    env = ManagerEnvironments.realQemuEnv(tmp);
    manager = ManagerProcess.startServing(env);
  }

  @AfterEach
  void stopManager() throws Exception {
    if (manager != null) {
      for (CvmSummary c : manager.client().listVms(ListVmsReq.getDefaultInstance()).getCvmsList()) {
        manager.client().removeVm(RemoveReq.newBuilder().setCvmId(c.getId()).build());
      }
      manager.close();
    }
  }

  @Test
  void aCvmBootsGetsItsConfigurationAnswersAndLeavesNothingWhenRemovedOrExpired() throws Exception {
    TestPki pki = new TestPki("cvms-ca");
    TestPki.Identity agent = pki.issue("agent");
    long start = System.nanoTime();
    CreateRes created =
        manager
            .client()
            .createVm(
                CreateReq.newBuilder()
                    .setAgentLogLevel("debug")
                    .setAgentCvmServerUrl("10.0.2.2:7001")
                    .setAgentCvmCaUrl("https://ca.example:9010")
                    .setAgentCvmServerCaCert(ByteString.copyFrom(pki.caBytes()))
                    .setAgentCvmClientCert(ByteString.copyFrom(agent.certBytes()))
                    .setAgentCvmClientKey(ByteString.copyFrom(agent.keyBytes()))
                    .setAwsEndpointUrl("http://10.0.2.2:9000")
                    .setAwsRegion("us-east-1")
                    .setAaKbsParams("type=sample")
                    .build());
    long createdNanos = System.nanoTime() - start;
    // a second CVM with a TTL boots alongside and must vanish on its own
    CreateRes expiring = manager.client().createVm(CreateReq.newBuilder().setTtl("40s").build());
    int port = Integer.parseInt(created.getForwardedPort());
    List<CvmSummary> cvms = manager.client().listVms(ListVmsReq.getDefaultInstance()).getCvmsList();
    CvmSummary summary =
        cvms.stream().filter(c -> c.getId().equals(created.getCvmId())).findFirst().orElseThrow();
    long pid = summary.getPid();
    // CreateVm returned once QEMU answered QMP: the guest's status is known at once
    assertThat(summary.getGuestStatus()).isEqualTo("running");
    long expiringPid =
        cvms.stream()
            .filter(c -> c.getId().equals(expiring.getCvmId()))
            .findFirst()
            .orElseThrow()
            .getPid();

    // a client follows the console while the guest boots
    List<String> followed = new CopyOnWriteArrayList<>();
    var console =
        manager
            .client()
            .withDeadlineAfter(BOOT.toSeconds(), TimeUnit.SECONDS)
            .streamLogs(
                StreamLogsReq.newBuilder()
                    .setCvmId(created.getCvmId())
                    .setTail(1000)
                    .setFollow(true)
                    .build());
    Thread follower =
        new Thread(
            () -> {
              try {
                console.forEachRemaining(l -> followed.add(l.getLine()));
              } catch (StatusRuntimeException e) {
                followed.add("stream ended: " + e.getStatus());
              }
            });
    follower.start();

    String report = awaitReport(port);
    // the manager's own probe (an HTTP/2 preface, answered with bytes) saw the agent too
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () ->
                manager.client().listVms(ListVmsReq.getDefaultInstance()).getCvmsList().stream()
                    .anyMatch(
                        c -> c.getId().equals(created.getCvmId()) && c.getAgentReadySeconds() > 0));
    manager.awaitLog(
        j ->
            j.path("cvm").asText().equals(created.getCvmId())
                && j.path("msg").asText().matches("CVM agent-ready: \\d+\\.\\d s after CreateVm"),
        Duration.ofSeconds(5));
    System.out.printf(
        "guest answered %.1f s after CreateVm (CreateVm took %d ms)%n",
        (System.nanoTime() - start) / 1e9, createdNanos / 1_000_000);

    // the real kernel got this CVM's KBC parameters; the 0600 environment file reads through 9P
    // (OVMF adds initrd=… after the line QEMU passes)
    assertThat(report.lines())
        .anyMatch(
            l ->
                l.startsWith("cmdline ")
                    && List.of(l.split(" ")).contains("agent.aa_kbc_params=type=sample"));
    assertThat(report.lines())
        .contains(
            "env AGENT_CERTS_TOKEN=",
            "env AWS_ENDPOINT_URL=http://10.0.2.2:9000",
            "env AWS_REGION=us-east-1",
            "env AGENT_LOG_LEVEL=debug",
            "env AGENT_CVM_GRPC_URL=10.0.2.2:7001",
            "env AGENT_CVM_ID=" + created.getCvmId(),
            "env AGENT_CVM_CA_URL=https://ca.example:9010",
            "env AGENT_CVM_GRPC_CLIENT_CERT=/etc/certs/cert.pem",
            "env AGENT_CVM_GRPC_CLIENT_KEY=/etc/certs/key.pem",
            "env AGENT_CVM_GRPC_SERVER_CA_CERTS=/etc/certs/ca.pem",
            "file ca.pem sha256=" + sha256(pki.caBytes()),
            "file cert.pem sha256=" + sha256(agent.certBytes()),
            "file key.pem sha256=" + sha256(agent.keyBytes()));
    // the console reaches the manager's log, with the CVM's id
    manager.awaitLog(
        j ->
            j.path("logger").asText().endsWith("console")
                && j.path("cvm").asText().equals(created.getCvmId())
                && j.path("msg").asText().contains("cocos-test-agent: listening on 7002"),
        Duration.ofSeconds(10));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                followed.stream().anyMatch(l -> l.contains("cocos-test-agent: listening on 7002")));
    assertThat(followed)
        .anyMatch(l -> l.contains("cocos-test-agent: env AGENT_CVM_ID=" + created.getCvmId()));

    manager.client().removeVm(RemoveReq.newBuilder().setCvmId(created.getCvmId()).build());
    // graceful first: the power button over QMP; the test guest has no ACPI daemon, so QMP quit
    // ends it
    manager.awaitLog(
        j ->
            j.path("cvm").asText().equals(created.getCvmId())
                && j.path("msg")
                    .asText()
                    .startsWith("asking the guest of CVM " + created.getCvmId() + " to power off"),
        Duration.ofSeconds(10));
    manager.awaitLog(
        j ->
            j.path("cvm").asText().equals(created.getCvmId())
                && (j.path("msg").asText().equals("QEMU of CVM " + created.getCvmId() + " quit")
                    || j.path("msg")
                        .asText()
                        .equals("the guest of CVM " + created.getCvmId() + " powered off")),
        Duration.ofSeconds(10));
    follower.join(10_000);
    assertThat(follower.isAlive()).as("the follow stream ends with the CVM").isFalse();
    assertNothingLeft(created.getCvmId(), pid, port);

    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> manager.client().listVms(ListVmsReq.getDefaultInstance()).getCvmsCount() == 0);
    assertNothingLeft(
        expiring.getCvmId(), expiringPid, Integer.parseInt(expiring.getForwardedPort()));
    assertThat(tmp.resolve("state/cvms")).isEmptyDirectory();
    manager.awaitLog(
        j ->
            j.path("msg").asText().startsWith("CVM ttl-expired")
                && j.path("cvm").asText().equals(expiring.getCvmId()),
        Duration.ofSeconds(1));
  }

  @Test
  void aGuestThatPowersItselfOffEndsExitedWithQmpsReason() throws Exception {
    manager.close();
    env.put("MANAGER_QEMU_KERNEL_CMDLINE", "console=ttyS0 cocos.poweroff-after=1");
    manager = ManagerProcess.startServing(env);
    CreateRes created = manager.client().createVm(CreateReq.getDefaultInstance());

    await()
        .atMost(BOOT)
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () ->
                manager
                    .client()
                    .listVms(ListVmsReq.getDefaultInstance())
                    .getCvms(0)
                    .getState()
                    .equals("exited"));

    CvmSummary exited = manager.client().listVms(ListVmsReq.getDefaultInstance()).getCvms(0);
    assertThat(exited.getExitCode()).isZero();
    assertThat(exited.getGuestStatus()).isEqualTo("shutdown");
    manager.awaitLog(
        j ->
            j.path("cvm").asText().equals(created.getCvmId())
                && j.path("msg").asText().equals("CVM guest-shutdown: guest-shutdown"),
        Duration.ofSeconds(5));
    manager.awaitLog(
        j ->
            j.path("cvm").asText().equals(created.getCvmId())
                && j.path("msg")
                    .asText()
                    .equals("CVM exited: exit code 0, shutdown reason guest-shutdown"),
        Duration.ofSeconds(5));
  }

  private void assertNothingLeft(String cvmId, long pid, int port) {
    // QEMU is not the manager's child: its parent (init here, systemd for the service) reaps it, so
    // it may still be a zombie a moment after its exit — ended either way
    assertThat(ended(pid)).as("QEMU pid %d ended", pid).isTrue();
    assertThat(bindable(port)).as("port %d free again", port).isTrue();
    assertThat(tmp.resolve("state/cvms").resolve(cvmId)).doesNotExist();
  }

  /** Gone, or a zombie: /proc/<pid>/stat's state field (after the parenthesised name) is Z or X. */
  static boolean ended(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state == 'Z' || state == 'X';
    } catch (IOException e) {
      return true;
    }
  }

  /** Polls the forwarded port until the guest's stand-in agent answers with its full report. */
  static String awaitReport(int port) {
    return GuestAgent.awaitReport(port, BOOT);
  }

  static boolean bindable(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("0.0.0.0", port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static String sha256(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }
}
