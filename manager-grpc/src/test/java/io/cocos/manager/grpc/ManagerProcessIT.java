package io.cocos.manager.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.cocos.manager.api.CreateReq;
import io.cocos.manager.api.CreateRes;
import io.cocos.manager.api.CvmSummary;
import io.cocos.manager.api.ListVmsReq;
import io.cocos.manager.api.RemoveReq;
import io.cocos.manager.core.testing.ManagerEnvironments;
import io.cocos.manager.core.testing.TestPki;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manager as a real process (fake QEMU): restarts, kill -9, signals, start-up failures. */
class ManagerProcessIT {
  @TempDir Path tmp;
  final List<ManagerProcess> managers = new ArrayList<>();
  final List<Long> qemuPids = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    for (ManagerProcess m : managers) {
      m.close();
    }
    for (long pid : qemuPids) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  ManagerProcess manager(Map<String, String> env) throws Exception {
    ManagerProcess m = ManagerProcess.startServing(env);
    managers.add(m);
    return m;
  }

  static List<CvmSummary> list(ManagerProcess m) {
    return m.client().listVms(ListVmsReq.getDefaultInstance()).getCvmsList();
  }

  /**
   * The process has ended. An adopted QEMU is not the manager's child: once it ends, init reaps it;
   * this sandbox's PID 1 never reaps, so here it may linger as a zombie of PID 1.
   */
  static boolean gone(long pid) {
    return ProcessHandle.of(pid).isEmpty() || isZombie(pid);
  }

  @Test
  void killMinus9LosesNothingAndAQemuThatDiedMeanwhileIsListedExitedWithItsStatus()
      throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    ManagerProcess first = manager(env);
    // The TTL must outlive a restart on a loaded machine (two JVM start-ups can take 20 s there).
    CreateRes survivor = first.client().createVm(CreateReq.newBuilder().setTtl("40s").build());
    CreateRes victim = first.client().createVm(CreateReq.getDefaultInstance());
    Map<String, Long> pids =
        list(first).stream().collect(Collectors.toMap(CvmSummary::getId, CvmSummary::getPid));
    qemuPids.addAll(pids.values());

    first.kill();
    assertThat(ProcessHandle.of(pids.get(survivor.getCvmId()))).isPresent();
    ProcessHandle.of(pids.get(victim.getCvmId())).orElseThrow().destroyForcibly();
    await().until(() -> gone(pids.get(victim.getCvmId())) || isZombie(pids.get(victim.getCvmId())));

    ManagerProcess second = manager(env);
    Map<String, CvmSummary> restored =
        list(second).stream().collect(Collectors.toMap(CvmSummary::getId, c -> c));
    assertThat(restored).containsOnlyKeys(survivor.getCvmId(), victim.getCvmId());
    // the QEMU killed while no manager ran left its status with its wrapper: exited, as if watched
    assertThat(restored.get(victim.getCvmId()))
        .satisfies(
            c -> {
              assertThat(c.getState()).isEqualTo("exited");
              assertThat(c.getExitCode()).as("128 + SIGKILL").isEqualTo(137);
              assertThat(c.getPid()).isEqualTo(pids.get(victim.getCvmId()));
            });
    Path victimDir = tmp.resolve("state/cvms").resolve(victim.getCvmId());
    assertThat(victimDir.resolve("console.log")).as("its console is kept").exists();
    assertThat(victimDir.resolve("certs")).as("its shares are deleted").doesNotExist();
    assertThat(victimDir.resolve("env")).doesNotExist();
    assertThat(restored.get(survivor.getCvmId()))
        .satisfies(
            c -> {
              assertThat(c.getId()).isEqualTo(survivor.getCvmId());
              assertThat(c.getState()).isEqualTo("running");
              assertThat(c.getPid()).isEqualTo(pids.get(survivor.getCvmId()));
              assertThat(c.getForwardedPort()).isEqualTo(survivor.getForwardedPort());
              assertThat(c.getGuestStatus())
                  .as("QMP reached again after kill -9")
                  .isEqualTo("running");
            });
    // the adopted CVM's console is followed again, with its id and state on each line
    second.awaitLog(
        j ->
            j.path("logger").asText().endsWith("console")
                && j.path("cvm").asText().equals(survivor.getCvmId())
                && j.path("state").asText().equals("running"),
        Duration.ofSeconds(10));
    // and its TTL, persisted, still ends it
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> list(second).stream().noneMatch(c -> c.getId().equals(survivor.getCvmId())));
    await().until(() -> gone(pids.get(survivor.getCvmId())));
    second.client().removeVm(RemoveReq.newBuilder().setCvmId(victim.getCvmId()).build());
    assertThat(tmp.resolve("state/cvms")).isEmptyDirectory();
  }

  @Test
  void sigtermStopsServingButLeavesCvmsForTheNextManager() throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    ManagerProcess first = manager(env);
    CreateRes created = first.client().createVm(CreateReq.getDefaultInstance());
    long pid = list(first).get(0).getPid();
    qemuPids.add(pid);

    assertThat(first.terminate()).isEqualTo(143);
    first.awaitLogOfEndedProcess(
        j -> j.path("msg").asText().contains("CVM(s) left for the next manager"));
    // the manager has exited; its QEMU stays (a SIGTERM from it would end the fake QEMU within ms)
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(5))
        .until(() -> ProcessHandle.of(pid).isPresent());

    ManagerProcess second = manager(env);
    assertThat(list(second)).extracting(CvmSummary::getId).containsExactly(created.getCvmId());
    assertThat(list(second).get(0).getGuestStatus()).isEqualTo("running");
    second.client().removeVm(RemoveReq.newBuilder().setCvmId(created.getCvmId()).build());
    // the adopted QEMU's guest was asked over the new QMP connection, and obeyed
    second.awaitLog(
        j ->
            j.path("msg")
                .asText()
                .equals("the guest of CVM " + created.getCvmId() + " powered off"),
        Duration.ofSeconds(10));
    await().until(() -> gone(pid));
    // an adopted QEMU is init's child, not the manager's: a zombie left here is init's to reap
    assertThat(parentOf(pid)).isNotEqualTo(second.process.pid());
  }

  @Test
  void logsAreJsonLinesWithTheCvmOnEveryLineAboutACvm() throws Exception {
    ManagerProcess m = manager(ManagerEnvironments.fakeQemuEnv(tmp));
    CreateRes created =
        m.client()
            .createVm(
                CreateReq.newBuilder()
                    .setAgentCvmClientKey(
                        ByteString.copyFromUtf8(new TestPki("ca").issue("agent").keyPem()))
                    .setAgentCvmClientCert(
                        ByteString.copyFromUtf8(new TestPki("ca").issue("agent").certPem()))
                    .build());
    m.awaitLog(
        j -> j.path("msg").asText().equals("fake-qemu: console line 1"), Duration.ofSeconds(10));
    m.client().removeVm(RemoveReq.newBuilder().setCvmId(created.getCvmId()).build());
    m.awaitLog(j -> j.path("msg").asText().startsWith("Method RemoveVM"), Duration.ofSeconds(10));

    List<JsonNode> lines = m.jsonLines();
    assertThat(lines)
        .allSatisfy(j -> assertThat(j.fieldNames()).toIterable().contains("time", "level", "msg"));
    assertThat(lines)
        .filteredOn(j -> j.path("msg").asText().contains(created.getCvmId()))
        .isNotEmpty()
        .allSatisfy(j -> assertThat(j.path("cvm").asText()).isEqualTo(created.getCvmId()));
    assertThat(lines)
        .filteredOn(j -> j.path("msg").asText().startsWith("fake-qemu: console line"))
        .allSatisfy(j -> assertThat(j.path("cvm").asText()).isEqualTo(created.getCvmId()));
    assertThat(String.join("\n", m.stdout)).doesNotContain("PRIVATE KEY");
  }

  @Test
  void aBadConfigurationStopsStartUpWithOneLineNamingTheVariable() throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    env.put("MANAGER_QEMU_MEMORY_SIZE", "2GB!");
    ManagerProcess bad = ManagerProcess.start(env);
    managers.add(bad);
    assertThat(bad.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(bad.process.exitValue()).isEqualTo(2);
    await().until(() -> !bad.stderr.isEmpty());
    assertThat(bad.stderr)
        .containsExactly(
            "cocos-manager: configuration error: MANAGER_QEMU_MEMORY_SIZE=\"2GB!\": expected a size such as 2048M or 4G");
    assertThat(tmp.resolve("state")).doesNotExist();
  }

  @Test
  void aMalformedGpuAddressStopsStartUpNamingTheVariable() throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    env.put("MANAGER_QEMU_GPU_BDF", "0000:41:00");
    ManagerProcess bad = ManagerProcess.start(env);
    managers.add(bad);
    assertThat(bad.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(bad.process.exitValue()).isEqualTo(2);
    await().until(() -> !bad.stderr.isEmpty());
    assertThat(bad.stderr)
        .containsExactly(
            "cocos-manager: configuration error: MANAGER_QEMU_GPU_BDF=\"0000:41:00\": "
                + "expected a PCI address [domain:]bus:device.function such as 0000:01:00.0");
  }

  @Test
  void aKeyThatIsNotTheCertificatesStopsStartUpWithExitCode2AndNoStackTrace() throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    TestPki pki = new TestPki("it-ca");
    pki.issue("manager").writeTo(tmp, "server");
    pki.issue("other").writeTo(tmp, "other");
    env.put("MANAGER_GRPC_SERVER_CERT", tmp.resolve("server.crt").toString());
    env.put("MANAGER_GRPC_SERVER_KEY", tmp.resolve("other.key").toString());
    ManagerProcess bad = ManagerProcess.start(env);
    managers.add(bad);
    assertThat(bad.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(bad.process.exitValue()).isEqualTo(2);
    await().until(() -> !bad.stderr.isEmpty());
    assertThat(bad.stderr).hasSize(1);
    assertThat(bad.stderr.get(0))
        .startsWith(
            "cocos-manager: configuration error: MANAGER_GRPC_SERVER_KEY=\""
                + tmp.resolve("other.key")
                + "\": expected the private key of the first certificate");
    assertThat(bad.stdout).noneMatch(l -> l.contains("Exception") || l.contains("\tat "));
    assertThat(tmp.resolve("state")).as("restore never ran").doesNotExist();
  }

  @Test
  void anOperatorsLogbackConfigurationFileReplacesTheBuiltInOne() throws Exception {
    // The built-in JSON lines (configured in code) plus one field of the operator's own.
    String reference =
        new String(
            getClass().getResourceAsStream("/logback-json-lines.xml").readAllBytes(),
            StandardCharsets.UTF_8);
    String operators =
        reference.replace(
            "</fieldNames>",
            "</fieldNames>\n      <customFields>{\"config\":\"operator\"}</customFields>");
    assertThat(operators).isNotEqualTo(reference);
    Path file = Files.writeString(tmp.resolve("logback.xml"), operators);
    ManagerProcess m =
        ManagerProcess.start(
            ManagerEnvironments.fakeQemuEnv(tmp), List.of("-Dlogback.configurationFile=" + file));
    managers.add(m);
    m.awaitLog(
        j -> j.path("msg").asText().startsWith("manager service gRPC server listening"),
        Duration.ofSeconds(30));
    assertThat(m.jsonLines())
        .isNotEmpty()
        .allSatisfy(j -> assertThat(j.path("config").asText()).isEqualTo("operator"));
  }

  @Test
  void aPortInUseStopsStartUpNamingTheSetting() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
      env.put("MANAGER_GRPC_PORT", Integer.toString(taken.getLocalPort()));
      ManagerProcess bad = ManagerProcess.start(env);
      managers.add(bad);
      assertThat(bad.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(bad.process.exitValue()).isEqualTo(1);
      await().until(() -> !bad.stderr.isEmpty());
      assertThat(bad.stderr.get(0))
          .startsWith(
              "cocos-manager: cannot serve on 127.0.0.1:"
                  + taken.getLocalPort()
                  + " (MANAGER_GRPC_HOST, MANAGER_GRPC_PORT)");
      assertThat(bad.stderr).hasSize(1);
    }
  }

  static long parentOf(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
    } catch (IOException e) {
      return -1;
    }
  }

  static boolean isZombie(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (IOException e) {
      return false;
    }
  }
}
