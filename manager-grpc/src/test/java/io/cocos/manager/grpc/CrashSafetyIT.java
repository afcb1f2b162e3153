package io.cocos.manager.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cocos.manager.api.CreateReq;
import io.cocos.manager.api.CreateRes;
import io.cocos.manager.api.CvmSummary;
import io.cocos.manager.api.ListVmsReq;
import io.cocos.manager.api.RemoveReq;
import io.cocos.manager.core.cvm.CrashPoint;
import io.cocos.manager.core.testing.ManagerEnvironments;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * kill -9 of the real manager process at each {@link CrashPoint} of create, remove and TTL expiry
 * (the test hook blocks the manager exactly there and writes a marker), then a restart, then the
 * invariants: no QEMU without a record, no record without its QEMU (or an exit), no port held for
 * nothing, nothing outside the state dir touched. Also: one manager per state dir.
 */
class CrashSafetyIT {
  @TempDir Path tmp;
  final List<ManagerProcess> managers = new ArrayList<>();
  final ExecutorService calls = Executors.newCachedThreadPool();

  @AfterEach
  void cleanUp() throws Exception {
    calls.shutdownNow();
    for (ManagerProcess m : managers) {
      m.close();
    }
    for (long pid : qemusOf(tmp)) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  Path marker() {
    return tmp.resolve("crash-marker");
  }

  ManagerProcess manager(Map<String, String> env) throws Exception {
    ManagerProcess m = ManagerProcess.startServing(env);
    managers.add(m);
    return m;
  }

  ManagerProcess armed(Map<String, String> env, CrashPoint point) throws Exception {
    ManagerProcess m =
        ManagerProcess.startServing(
            env,
            List.of(
                "-Dcocos.test.crash-point=" + point.name(),
                "-Dcocos.test.crash-marker=" + marker()));
    managers.add(m);
    return m;
  }

  /** Live (not zombie) processes whose command line names a pid file under {@code dir}. */
  static Set<Long> qemusOf(Path dir) throws IOException {
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      return procs
          .filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
          .map(p -> Long.parseLong(p.getFileName().toString()))
          .filter(
              pid -> {
                String cmdline = cmdline(pid);
                // not the wrapper shell, QEMU's parent, whose command line names QEMU's
                return cmdline.contains("-pidfile\0" + dir)
                    && !cmdline.contains("\0cocos-qemu-wrapper\0")
                    && !ManagerProcessIT.isZombie(pid);
              })
          .collect(Collectors.toSet());
    }
  }

  private static String cmdline(long pid) {
    try {
      return new String(
          Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  static List<CvmSummary> list(ManagerProcess m) {
    return m.client().listVms(ListVmsReq.getDefaultInstance()).getCvmsList();
  }

  /** A file outside the state dir that nothing may touch. */
  Path outside() throws IOException {
    Path f = tmp.resolve("outside").resolve("precious");
    Files.createDirectories(f.getParent());
    Files.writeString(f, "keep me");
    return f;
  }

  List<String> cvmDirs(Map<String, String> env) throws IOException {
    try (Stream<Path> s = Files.list(Path.of(env.get("MANAGER_STATE_DIR")).resolve("cvms"))) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /**
   * The invariants after a restart: every CVM directory is a listed CVM and vice versa; every QEMU
   * of the state dir is the pid of a listed running CVM; every listed running CVM's QEMU lives.
   */
  void assertConsistent(ManagerProcess m, Map<String, String> env, Path precious) throws Exception {
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              List<CvmSummary> cvms = list(m);
              assertThat(cvmDirs(env))
                  .containsExactlyElementsOf(
                      cvms.stream().map(CvmSummary::getId).sorted().toList());
              Set<Long> running =
                  cvms.stream()
                      .filter(c -> c.getState().equals("running"))
                      .map(CvmSummary::getPid)
                      .collect(Collectors.toSet());
              assertThat(qemusOf(Path.of(env.get("MANAGER_STATE_DIR"))))
                  .containsExactlyInAnyOrderElementsOf(running);
              assertThat(cvms).allSatisfy(c -> assertThat(c.getState()).isIn("running", "exited"));
            });
    assertThat(precious).hasContent("keep me");
  }

  @ParameterizedTest
  @EnumSource(
      value = CrashPoint.class,
      names = {"CREATE_RECORD_WRITTEN", "CREATE_SPAWNED", "CREATE_PID_PERSISTED", "CREATE_RUNNING"})
  void killedDuringCreateEndsFullyAdoptedOrFullyGone(CrashPoint point) throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    Path precious = outside();
    ManagerProcess first = armed(env, point);
    calls.submit(() -> first.client().createVm(CreateReq.getDefaultInstance()));
    await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(marker()));
    first.kill();

    ManagerProcess second = manager(env);

    assertConsistent(second, env, precious);
    List<CvmSummary> cvms = list(second);
    if (point == CrashPoint.CREATE_PID_PERSISTED || point == CrashPoint.CREATE_RUNNING) {
      // The record was complete: the QEMU is adopted, and is removable as any other.
      assertThat(cvms)
          .singleElement()
          .satisfies(c -> assertThat(c.getState()).isEqualTo("running"));
      second.client().removeVm(RemoveReq.newBuilder().setCvmId(cvms.get(0).getId()).build());
      assertConsistent(second, env, precious);
    }
    assertThat(list(second)).isEmpty();
    assertThat(cvmDirs(env)).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(
      value = CrashPoint.class,
      names = {"REMOVE_STOPPING_PERSISTED", "REMOVE_QEMU_STOPPED", "REMOVE_CONTENTS_DELETED"})
  void killedDuringRemoveEndsFullyGone(CrashPoint point) throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    Path precious = outside();
    ManagerProcess first = armed(env, point);
    CreateRes kept = first.client().createVm(CreateReq.getDefaultInstance());
    CreateRes removed = first.client().createVm(CreateReq.getDefaultInstance());
    calls.submit(
        () -> first.client().removeVm(RemoveReq.newBuilder().setCvmId(removed.getCvmId()).build()));
    await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(marker()));
    first.kill();

    ManagerProcess second = manager(env);

    assertConsistent(second, env, precious);
    assertThat(list(second)).extracting(CvmSummary::getId).containsExactly(kept.getCvmId());
  }

  @Test
  void killedDuringATtlExpiryEndsFullyGone() throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    Path precious = outside();
    ManagerProcess first = armed(env, CrashPoint.REMOVE_STOPPING_PERSISTED);
    first.client().createVm(CreateReq.newBuilder().setTtl("1s").build());
    await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(marker()));
    first.kill();

    ManagerProcess second = manager(env);

    assertConsistent(second, env, precious);
    assertThat(list(second)).isEmpty();
  }

  /**
   * Real QEMU (TCG), killed inside the spawn-to-ready window: its forwarded port must come free.
   */
  @ParameterizedTest
  @EnumSource(
      value = CrashPoint.class,
      names = {"CREATE_SPAWNED", "CREATE_PID_PERSISTED"})
  void realQemuKilledBetweenSpawnAndReadyIsStoppedOrAdoptedAndHoldsNoPortForNothing(
      CrashPoint point) throws Exception {
    Map<String, String> env = ManagerEnvironments.realQemuEnv(tmp);
    env.put("MANAGER_QEMU_STARTUP_GRACE", "5s");
    Path precious = outside();
    ManagerProcess first = armed(env, point);
    calls.submit(() -> first.client().createVm(CreateReq.getDefaultInstance()));
    await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(marker()));
    Path stateDir = Path.of(env.get("MANAGER_STATE_DIR"));
    await().atMost(Duration.ofSeconds(30)).until(() -> qemusOf(stateDir).size() == 1);
    int port = Integer.parseInt(env.get("MANAGER_QEMU_HOST_FWD_RANGE").split("-")[0]);
    first.kill();

    ManagerProcess second = manager(env);

    assertConsistent(second, env, precious);
    if (point == CrashPoint.CREATE_SPAWNED) {
      assertThat(list(second)).isEmpty();
      await().atMost(Duration.ofSeconds(20)).until(() -> canBind(port));
    } else {
      assertThat(list(second))
          .singleElement()
          .satisfies(
              c -> {
                assertThat(c.getState()).isEqualTo("running");
                assertThat(c.getForwardedPort()).isEqualTo(Integer.toString(port));
              });
      assertThat(canBind(port)).as("the adopted QEMU still holds its port").isFalse();
      second
          .client()
          .removeVm(RemoveReq.newBuilder().setCvmId(list(second).get(0).getId()).build());
      assertConsistent(second, env, precious);
      await().atMost(Duration.ofSeconds(20)).until(() -> canBind(port));
    }
  }

  static boolean canBind(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("0.0.0.0", port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void aSecondManagerOnTheSameStateDirExitsAtOnceNamingTheHolderAndChangesNothing()
      throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    ManagerProcess first = manager(env);
    CreateRes cvm = first.client().createVm(CreateReq.getDefaultInstance());
    Path stateDir = Path.of(env.get("MANAGER_STATE_DIR"));
    Map<String, String> before = snapshot(stateDir);

    // the same environment: its ports are 0, so only the state dir is shared
    ManagerProcess second = ManagerProcess.start(env);
    managers.add(second);

    assertThat(second.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(second.process.exitValue()).isEqualTo(1);
    await().atMost(Duration.ofSeconds(5)).until(() -> !second.stderr.isEmpty());
    assertThat(second.stderr)
        .singleElement()
        .satisfies(
            line ->
                assertThat(line)
                    .contains(stateDir.toString())
                    .contains("pid " + first.process.pid()));
    assertThat(snapshot(stateDir)).isEqualTo(before);
    assertThat(list(first))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getId()).isEqualTo(cvm.getCvmId());
              assertThat(c.getState()).isEqualTo("running");
            });
  }

  /** Every file of the state dir but the growing console logs, with its content. */
  static Map<String, String> snapshot(Path stateDir) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> s = Files.walk(stateDir)) {
      for (Path p : s.toList()) {
        String content =
            Files.isRegularFile(p) && !p.getFileName().toString().equals("console.log")
                ? Files.readString(p, StandardCharsets.ISO_8859_1)
                : "";
        files.put(stateDir.relativize(p).toString(), content);
      }
    }
    return files;
  }
}
