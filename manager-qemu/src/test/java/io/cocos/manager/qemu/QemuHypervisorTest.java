package io.cocos.manager.qemu;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.cocos.manager.core.testing.ManagerEnvironments;
import io.cocos.manager.core.vm.ExitStatus;
import io.cocos.manager.core.vm.FoundVm;
import io.cocos.manager.core.vm.GuestDescription;
import io.cocos.manager.core.vm.GuestEvent;
import io.cocos.manager.core.vm.TeeKind;
import io.cocos.manager.core.vm.VmLaunchSpec;
import io.cocos.manager.core.vm.VmProcess;
import io.cocos.manager.core.vm.VmStartException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * QemuHypervisor with real processes: manager-core's test-jar fake-qemu stands in for QEMU (it
 * serves QMP), its behaviour chosen through words in the kernel command line (see the script).
 */
class QemuHypervisorTest {
  private static final byte[] VARS_TEMPLATE = "OVMF vars template".getBytes();

  @TempDir static Path installed;
  static Path fakeQemu;
  static Path varsTemplate;

  @TempDir Path dir;
  private final List<VmProcess> started = new ArrayList<>();
  private final List<Process> launchers = new ArrayList<>();
  private final List<Long> startedElsewhere = new ArrayList<>();

  @BeforeAll
  static void installFakeQemu() throws IOException {
    fakeQemu = ManagerEnvironments.fakeQemu(installed);
    varsTemplate = Files.write(installed.resolve("OVMF_VARS.fd"), VARS_TEMPLATE);
  }

  @AfterEach
  void stopEverything() throws InterruptedException {
    for (VmProcess p : started) {
      p.stop(Duration.ZERO);
    }
    // Kill what was started elsewhere while its parent still lives to reap it: an orphan would be
    // left to init, and some containers' init never reaps.
    for (long pid : startedElsewhere) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    for (Process p : launchers) {
      if (!p.waitFor(10, SECONDS)) {
        p.destroyForcibly().waitFor();
      }
    }
  }

  private static QemuConfig config(String kernelCommandLine, String... more) {
    List<String> env =
        new ArrayList<>(
            List.of(
                "BIN_PATH",
                fakeQemu.toString(),
                "ENABLE_SEV_SNP",
                "false",
                "ENABLE_TDX",
                "false",
                "OVMF_VARS_FILE",
                varsTemplate.toString(),
                "KERNEL_CMDLINE",
                "fake.verbose " + kernelCommandLine));
    env.addAll(List.of(more));
    return TestEnv.config(env.toArray(String[]::new));
  }

  private VmLaunchSpec spec() {
    return spec(UUID.randomUUID().toString());
  }

  private VmLaunchSpec spec(String cvmId) {
    return spec(cvmId, dir.resolve("vm"));
  }

  private VmLaunchSpec spec(String cvmId, Path workDir) {
    return new VmLaunchSpec(
        cvmId,
        6100,
        3,
        workDir,
        dir.resolve("certs"),
        dir.resolve("env"),
        dir.resolve("console.log"));
  }

  private VmProcess start(QemuHypervisor hypervisor, VmLaunchSpec spec) throws Exception {
    VmProcess process = hypervisor.spawn(spec);
    started.add(process);
    hypervisor.awaitReady(spec, process);
    return process;
  }

  private static String console(VmLaunchSpec spec) throws IOException {
    if (!Files.exists(spec.consoleLog())) {
      return "";
    }
    return Files.readString(spec.consoleLog());
  }

  private static Path proc(long pid) {
    return Path.of("/proc", Long.toString(pid));
  }

  /**
   * Ended: QEMU is not our child, so whoever is its parent (init, a subreaper) reaps it, perhaps a
   * moment later; until then it is a zombie.
   */
  private static boolean gone(long pid) {
    return ProcFs.stat(pid).map(ProcFs.Stat::isZombie).orElse(true);
  }

  // ------------------------------------------------------------------ start

  @Test
  void diskBootMakesTheCvmsDiskBeforeQemuStartsAndRemovesItOnFailureAndRelease() throws Exception {
    Path source = dir.resolve("enc_os.qcow2");
    Process img =
        new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", source.toString(), "64M")
            .redirectErrorStream(true)
            .start();
    assertThat(img.waitFor()).isZero();
    QemuConfig config = config("unused", "ENABLE_DISK", "true", "SRC_DISK_FILE", source.toString());
    VmLaunchSpec spec = spec();
    Path disk = QemuCommandLine.cvmDisk(spec, (QemuConfig.DiskImage) config.boot());

    VmProcess vm = start(new QemuHypervisor(config), spec);

    assertThat(disk.getParent()).isEqualTo(spec.workDir());
    assertThat(disk).isRegularFile();
    // no -append with a disk boot, so the stand-in's plain start-up lines: "fake-qemu: args ..."
    await().atMost(5, SECONDS).until(() -> console(spec).contains(" file=" + disk + ",if=none"));
    vm.stop(Duration.ZERO);
    new QemuHypervisor(config).release(spec);
    assertThat(disk).doesNotExist();

    QemuConfig noQemu =
        config(
            "unused",
            "ENABLE_DISK",
            "true",
            "SRC_DISK_FILE",
            source.toString(),
            "BIN_PATH",
            dir.resolve("no-such-qemu").toString());
    assertThatThrownBy(() -> start(new QemuHypervisor(noQemu), spec))
        .isInstanceOf(VmStartException.class);
    assertThat(disk).doesNotExist();
    assertThat(QemuCommandLine.ovmfVarsCopy(spec)).doesNotExist();

    QemuConfig noSource =
        config("unused", "ENABLE_DISK", "true", "SRC_DISK_FILE", dir + "/missing.qcow2");
    assertThatThrownBy(() -> start(new QemuHypervisor(noSource), spec))
        .isInstanceOf(VmStartException.class)
        .hasMessageContaining("qemu-img info failed");
    assertThat(disk).doesNotExist();
  }

  @Test
  void startRunsTheCommandLineWithStdoutAndStderrAppendedToTheConsole() throws Exception {
    QemuConfig config = config("quiet console=null");
    VmLaunchSpec spec = spec();
    Files.writeString(spec.consoleLog(), "an earlier boot\n");

    VmProcess vm = start(new QemuHypervisor(config), spec);

    await()
        .atMost(5, SECONDS)
        .until(() -> console(spec).contains("fake-qemu: stderr is captured too"));
    String console = console(spec);
    List<String> argsSeen =
        console
            .lines()
            .filter(l -> l.startsWith("fake-qemu arg: "))
            .map(l -> l.substring("fake-qemu arg: ".length()))
            .toList();
    assertThat(console).startsWith("an earlier boot\nfake-qemu pid=" + vm.pid() + "\n");
    assertThat(argsSeen).isEqualTo(QemuCommandLine.of(config, spec).arguments());
    assertThat(vm.isAlive()).isTrue();
    assertThat(vm.startedAt()).isBetween(Instant.now().minusSeconds(10), Instant.now());
    assertThat(QemuCommandLine.ovmfVarsCopy(spec)).hasBinaryContent(VARS_TEMPLATE);
  }

  @Test
  void qemuRunsInASessionOfItsOwnNotAsOurChildWithNoPipes() throws Exception {
    VmLaunchSpec spec = spec();
    VmProcess vm = start(new QemuHypervisor(config("quiet")), spec);
    long jvm = ProcessHandle.current().pid();

    ProcFs.Stat stat = ProcFs.stat(vm.pid()).orElseThrow();

    assertThat(stat.session())
        .isEqualTo(vm.pid())
        .isNotEqualTo(ProcFs.stat(jvm).orElseThrow().session());
    assertThat(stat.processGroup()).isEqualTo(vm.pid());
    // setsid exec'd in place: the pid we hold runs the QEMU binary; its launching shell has exited,
    // so it is not our child (no JDK thread waits for it).
    assertThat(stat.parentPid()).isNotEqualTo(jvm);
    assertThat(ProcessHandle.current().children()).noneMatch(child -> child.pid() == vm.pid());
    assertThat(ProcFs.cmdline(vm.pid())).contains(fakeQemu.toString()).doesNotContain("setsid");
    assertThat(QemuWrapper.isWrapper(ProcFs.cmdline(stat.parentPid())))
        .as("its parent is the wrapper that keeps its status")
        .isTrue();
    assertThat(Files.readSymbolicLink(proc(vm.pid()).resolve("fd/0")))
        .isEqualTo(Path.of("/dev/null"));
    assertThat(Files.readSymbolicLink(proc(vm.pid()).resolve("fd/1"))).isEqualTo(spec.consoleLog());
    assertThat(Files.readSymbolicLink(proc(vm.pid()).resolve("fd/2"))).isEqualTo(spec.consoleLog());
  }

  @Test
  void runningQemusCostNoThreadEach() throws Exception {
    QemuHypervisor hypervisor = new QemuHypervisor(config("quiet"));
    for (int i = 0; i < 3; i++) {
      VmLaunchSpec spec =
          new VmLaunchSpec(
              UUID.randomUUID().toString(),
              6100 + i,
              3 + i,
              dir.resolve("vm" + i),
              dir.resolve("certs"),
              dir.resolve("env"),
              dir.resolve("console" + i + ".log"));
      assertThat(start(hypervisor, spec).guestStatus()).contains("running");
    }

    var threads = Thread.getAllStackTraces();
    assertThat(threads.keySet())
        .extracting(Thread::getName)
        .filteredOn(name -> name.startsWith("qmp"))
        .containsExactly("qmp-selector");
    // The JDK's process reaper waits in waitpid for a child; QEMU is nobody's child here.
    assertThat(threads.values())
        .noneMatch(
            stack ->
                Arrays.stream(stack)
                    .anyMatch(frame -> frame.getMethodName().equals("waitForProcessExit")));
  }

  @Test
  void aQemuThatDiesAtOnceFailsTheStartWithItsOwnOutputAndLeavesNothing() throws Exception {
    VmLaunchSpec spec = spec();
    Files.writeString(spec.consoleLog(), "output of an earlier start\n");

    assertThatThrownBy(() -> start(new QemuHypervisor(config("fake.fail=3")), spec))
        .isInstanceOf(VmStartException.class)
        .hasMessageContaining("exited before it answered QMP")
        .hasMessageContaining("fake-qemu: -device bogus: fatal test error")
        .hasMessageNotContaining("earlier start");
    assertThat(QemuCommandLine.ovmfVarsCopy(spec)).doesNotExist();
    assertThat(console(spec)).contains("fatal test error");
  }

  @Test
  void onlyTheTailOfALongOutputIsQuoted() throws Exception {
    VmLaunchSpec spec = spec();
    String manyArgs = "x".repeat(200) + " ";

    assertThatThrownBy(
            () -> start(new QemuHypervisor(config(manyArgs.repeat(40) + "fake.fail=1")), spec))
        .isInstanceOf(VmStartException.class)
        .hasMessageContaining("fatal test error")
        .satisfies(
            e ->
                assertThat(e.getMessage())
                    .hasSizeLessThan(QemuReadiness.START_ERROR_OUTPUT_BYTES + 200));
  }

  @Test
  void startIsInterruptibleAndLeavesNothingRunning() throws Exception {
    VmLaunchSpec spec = spec();
    QemuHypervisor hypervisor =
        new QemuHypervisor(config("fake.mode=no-qmp", "STARTUP_TIMEOUT", "1m"));
    ExecutorService thread = Executors.newSingleThreadExecutor();
    try {
      Future<VmProcess> starting =
          thread.submit(
              () -> {
                VmProcess process = hypervisor.spawn(spec);
                hypervisor.awaitReady(spec, process);
                return process;
              });
      await()
          .atMost(5, SECONDS)
          .until(() -> Files.exists(spec.consoleLog()) && console(spec).contains("pid="));
      long pid = fakePid(spec);

      thread.shutdownNow();

      assertThatThrownBy(starting::get)
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(InterruptedException.class);
      assertThat(gone(pid)).isTrue();
      assertThat(QemuCommandLine.ovmfVarsCopy(spec)).doesNotExist();
    } finally {
      thread.shutdownNow();
    }
  }

  private static long fakePid(VmLaunchSpec spec) throws IOException {
    Matcher m = Pattern.compile("fake-qemu pid=(\\d+)").matcher(console(spec));
    assertThat(m.find()).isTrue();
    return Long.parseLong(m.group(1));
  }

  @Test
  void modesWithoutPflashMakeNoVarsCopy() throws Exception {
    VmLaunchSpec spec = spec();

    start(new QemuHypervisor(config("quiet", "ENABLE_SEV_SNP", "true")), spec);

    assertThat(QemuCommandLine.ovmfVarsCopy(spec)).doesNotExist();
  }

  @Test
  void aMissingVarsTemplateOrAnUnsafePathFailsBeforeAnythingStarts() {
    QemuHypervisor noTemplate =
        new QemuHypervisor(config("quiet", "OVMF_VARS_FILE", dir + "/missing.fd"));
    VmLaunchSpec newlineInPath =
        new VmLaunchSpec(
            UUID.randomUUID().toString(),
            6100,
            3,
            dir.resolve("vm"),
            dir.resolve("certs\nx"),
            dir.resolve("env"),
            dir.resolve("console.log"));

    assertThatThrownBy(() -> start(noTemplate, spec()))
        .isInstanceOf(VmStartException.class)
        .hasMessageContaining("cannot copy the OVMF vars file " + dir + "/missing.fd");
    assertThatThrownBy(() -> start(new QemuHypervisor(config("quiet")), newlineInPath))
        .isInstanceOf(VmStartException.class)
        .hasMessageContaining("9P share directory")
        .hasMessageContaining("control character");
    assertThat(dir.resolve("console.log")).doesNotExist();
  }

  @Test
  void releaseRemovesTheVarsCopy() throws Exception {
    VmLaunchSpec spec = spec();
    QemuHypervisor hypervisor = new QemuHypervisor(config("quiet"));
    start(hypervisor, spec).stop(Duration.ofSeconds(5));

    hypervisor.release(spec);
    hypervisor.release(spec);

    assertThat(QemuCommandLine.ovmfVarsCopy(spec)).doesNotExist();
  }

  @Test
  void guestAndTeeComeFromTheConfiguration() {
    QemuHypervisor hypervisor =
        new QemuHypervisor(
            config(
                "console=ttyS0",
                "OVMF_VERSION",
                "edk2-stable202408",
                "SMP_COUNT",
                "2",
                "ENABLE_SEV_SNP",
                "true"));

    assertThat(hypervisor.guest())
        .isEqualTo(
            new GuestDescription("edk2-stable202408", 2, "EPYC", "fake.verbose console=ttyS0"));
    assertThat(hypervisor.tee()).isEqualTo(TeeKind.SEV_SNP);
  }

  // ------------------------------------------------------------------ QMP: readiness, status,
  // events

  @Test
  void readyMeansQmpAnsweredQueryStatusAndTheGuestStatusIsKnown() throws Exception {
    VmLaunchSpec spec = spec();
    VmProcess vm = start(new QemuHypervisor(config("quiet")), spec);

    assertThat(vm.guestStatus()).contains("running");
    assertThat(((QemuProcess) vm).guestMonitor().client()).isPresent();
    assertThat(spec.workDir().resolve("qmp.sock")).exists();
  }

  @Test
  void aQemuThatNeverAnswersQmpFailsTheStartWithATimeoutNamingQmpAndLeavesNothing()
      throws Exception {
    VmLaunchSpec spec = spec();

    assertThatThrownBy(
            () ->
                start(
                    new QemuHypervisor(config("fake.mode=no-qmp", "STARTUP_TIMEOUT", "1s")), spec))
        .isInstanceOf(VmStartException.class)
        .hasMessageContaining(
            "did not answer QMP query-status on " + spec.workDir().resolve("qmp.sock"))
        .hasMessageContaining("within 1s (MANAGER_QEMU_STARTUP_TIMEOUT")
        .hasMessageContaining("fake-qemu: console line");
    long pid = fakePid(spec);
    assertThat(gone(pid)).isTrue();
    assertThat(QemuCommandLine.ovmfVarsCopy(spec)).doesNotExist();
  }

  @Test
  void guestEventsArriveInOrderAndTheStatusFollowsThem() throws Exception {
    VmProcess vm = start(new QemuHypervisor(config("quiet")), spec());
    List<GuestEvent> events = new CopyOnWriteArrayList<>();
    vm.onGuestEvent(events::add);
    var qmp = ((QemuProcess) vm).guestMonitor().client().orElseThrow();

    qmp.call("stop", Duration.ofSeconds(5));
    await().atMost(5, SECONDS).until(() -> vm.guestStatus().equals(Optional.of("paused")));
    qmp.call("cont", Duration.ofSeconds(5));
    await()
        .atMost(5, SECONDS)
        .until(() -> events.size() == 2 && vm.guestStatus().equals(Optional.of("running")));

    assertThat(events)
        .extracting(GuestEvent::kind)
        .containsExactly(GuestEvent.Kind.STOPPED, GuestEvent.Kind.RESUMED);
  }

  @Test
  void aPanickedGuestIsAnEventAndAStatus() throws Exception {
    VmProcess vm = start(new QemuHypervisor(config("fake.mode=panic-later")), spec());
    List<GuestEvent> events = new CopyOnWriteArrayList<>();
    vm.onGuestEvent(events::add);

    await().atMost(10, SECONDS).until(() -> !events.isEmpty());

    assertThat(events.get(0).kind()).isEqualTo(GuestEvent.Kind.PANICKED);
    assertThat(events.get(0).detail()).isEqualTo("action pause");
    assertThat(vm.guestStatus()).contains("guest-panicked");
    assertThat(vm.isAlive()).isTrue();
  }

  @Test
  void aGuestThatPowersItselfOffEndsQemuWithItsReason() throws Exception {
    VmProcess vm = start(new QemuHypervisor(config("fake.mode=poweroff-later")), spec());
    List<GuestEvent> events = new CopyOnWriteArrayList<>();
    vm.onGuestEvent(events::add);

    assertThat(vm.exit().get(10, SECONDS)).isEqualTo(ExitStatus.exited(0));

    assertThat(vm.shutdownReason()).contains("guest-shutdown");
    assertThat(events)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.kind()).isEqualTo(GuestEvent.Kind.SHUTDOWN);
              assertThat(e.detail()).isEqualTo("guest-shutdown");
            });
  }

  @Test
  void shutDownAsksTheGuestFirst() throws Exception {
    VmLaunchSpec spec = spec();
    VmProcess vm = start(new QemuHypervisor(config("quiet")), spec);

    assertThat(vm.shutDown(Duration.ofSeconds(5))).isZero();

    assertThat(vm.shutdownReason()).contains("guest-shutdown");
    assertThat(console(spec))
        .contains("fake-qemu: shutting down (guest-shutdown)")
        .doesNotContain("SIGTERM");
  }

  @Test
  void shutDownTellsQemuToQuitWhenTheGuestIgnoresThePowerButton() throws Exception {
    VmLaunchSpec spec = spec();
    VmProcess vm =
        start(
            new QemuHypervisor(config("fake.mode=ignore-powerdown", "POWERDOWN_TIMEOUT", "300ms")),
            spec);

    assertThat(vm.shutDown(Duration.ofSeconds(5))).isZero();

    assertThat(vm.shutdownReason()).contains("host-qmp-quit");
    assertThat(console(spec))
        .contains("fake-qemu: shutting down (host-qmp-quit)")
        .doesNotContain("SIGTERM");
  }

  @Test
  void shutDownOfAHungQemuEndsInSigkill() throws Exception {
    VmLaunchSpec spec = spec();
    VmProcess vm =
        start(new QemuHypervisor(config("fake.ignore-term", "POWERDOWN_TIMEOUT", "200ms")), spec);

    assertThat(vm.shutDown(Duration.ofMillis(300))).isEqualTo(128 + 9);
    assertThat(vm.exit()).isCompletedWithValue(ExitStatus.killedBy(9));

    assertThat(vm.shutdownReason()).isEmpty();
    assertThat(console(spec)).contains("fake-qemu: ignoring SIGTERM");
    assertThat(gone(vm.pid())).isTrue();
  }

  @Test
  void anAdoptedQemuIsReachedOverQmpAgain() throws Exception {
    QemuConfig config = configWithPidFile("fake.mode=ignore-powerdown");
    VmLaunchSpec spec = spec();
    long pid = launchElsewhere(config, spec, "wait");
    await().atMost(5, SECONDS).until(() -> Files.exists(spec.workDir().resolve("qmp.sock")));

    VmProcess vm = new QemuHypervisor(config).adopt(spec, pid, startOf(pid)).orElseThrow();

    assertThat(vm.guestStatus()).contains("running");
    assertThat(vm.shutDown(Duration.ofSeconds(5)))
        .as("an announced shutdown: QEMU exits 0")
        .isZero();
    assertThat(vm.shutdownReason()).contains("host-qmp-quit");
  }

  // ------------------------------------------------------------------ exit and stop

  @Test
  void exitCompletesWithQemusOwnCodeWhenItEndsByItselfWithoutAnEvent() throws Exception {
    VmProcess vm = start(new QemuHypervisor(config("fake.exit-after=0.3:3")), spec());

    assertThat(vm.exit().get(5, SECONDS)).isEqualTo(ExitStatus.exited(3));
    assertThat(vm.exit().get().describe()).isEqualTo("exit code 3");
    assertThat(vm.isAlive()).isFalse();
    assertThat(gone(vm.pid())).isTrue();
    assertThat(vm.stop(Duration.ofSeconds(5))).isEqualTo(3);
  }

  @Test
  void stopSendsSigtermAndQemuExitsOnIt() throws Exception {
    VmLaunchSpec spec = spec();
    VmProcess vm = start(new QemuHypervisor(config("quiet")), spec);
    long before = System.nanoTime();

    int code = vm.stop(Duration.ofSeconds(10));

    assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(3));
    assertThat(code)
        .as("QEMU announced the shutdown (host-signal), after which it exits 0")
        .isZero();
    assertThat(vm.exit()).isCompletedWithValue(ExitStatus.exited(0));
    assertThat(vm.shutdownReason()).contains("host-signal");
    assertThat(console(spec)).contains("fake-qemu: SIGTERM, exiting");
    assertThat(gone(vm.pid())).isTrue();
  }

  @Test
  void stopEscalatesToSigkillAfterTheGrace() throws Exception {
    VmProcess vm = start(new QemuHypervisor(config("fake.ignore-term")), spec());
    long before = System.nanoTime();

    int code = vm.stop(Duration.ofMillis(500));

    assertThat(Duration.ofNanos(System.nanoTime() - before))
        .isGreaterThanOrEqualTo(Duration.ofMillis(500));
    assertThat(code).as("killed by SIGKILL, as its wrapper saw").isEqualTo(128 + 9);
    assertThat(vm.exit().get().describe()).isEqualTo("killed by signal 9 (SIGKILL)");
    assertThat(vm.isAlive()).isFalse();
    assertThat(gone(vm.pid())).isTrue();
  }

  @Test
  void stopIsIdempotentAndSafeFromSeveralThreads() throws Exception {
    VmProcess vm = start(new QemuHypervisor(config("fake.ignore-term")), spec());
    ExecutorService threads = Executors.newFixedThreadPool(3);
    try {
      List<Future<Integer>> stops = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        stops.add(threads.submit(() -> vm.stop(Duration.ofMillis(300))));
      }
      for (Future<Integer> stop : stops) {
        assertThat(stop.get(10, SECONDS)).isEqualTo(128 + 9);
      }
      assertThat(vm.stop(Duration.ofSeconds(5))).isEqualTo(128 + 9);
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void aCallerCannotCompleteTheExitForOthers() throws Exception {
    VmProcess vm = start(new QemuHypervisor(config("quiet")), spec());

    vm.exit().complete(ExitStatus.exited(42));

    assertThat(vm.exit()).isNotDone();
    assertThat(vm.isAlive()).isTrue();
  }

  @Test
  void qemuAndItsFilesArePrivateWhateverTheManagersUmask() throws Exception {
    VmLaunchSpec spec = spec();
    VmProcess vm = start(new QemuHypervisor(config("quiet")), spec);

    assertThat(procUmask(vm.pid())).isEqualTo("0077");
    assertThat(Files.getPosixFilePermissions(spec.workDir().resolve("qmp.sock")))
        .allMatch(p -> p.name().startsWith("OWNER"));
    assertThat(Files.getPosixFilePermissions(spec.consoleLog()))
        .as("made by the wrapper's redirection")
        .allMatch(p -> p.name().startsWith("OWNER"));
    vm.stop(Duration.ofSeconds(5));
    assertThat(Files.getPosixFilePermissions(QemuWrapper.statusFileIn(spec.workDir())))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
  }

  private static String procUmask(long pid) throws IOException {
    return Files.readAllLines(proc(pid).resolve("status")).stream()
        .filter(l -> l.startsWith("Umask:"))
        .map(l -> l.substring("Umask:".length()).strip())
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aQemuThatEndsWhileNoManagerWatchesLeavesItsStatusForTheNextOne() throws Exception {
    QemuConfig config = config("quiet");
    VmLaunchSpec spec = spec();
    VmProcess vm = start(new QemuHypervisor(config), spec);
    Instant startedAt = vm.startedAt();
    vm.detach(); // the manager goes away; QEMU and its wrapper live on
    started.remove(vm);

    ProcessHandle.of(vm.pid()).orElseThrow().destroyForcibly();
    await().atMost(5, SECONDS).until(() -> Files.exists(QemuWrapper.statusFileIn(spec.workDir())));

    QemuHypervisor next = new QemuHypervisor(config);
    assertThat(next.adopt(spec, vm.pid(), startedAt)).isEmpty();
    assertThat(next.endedStatus(spec))
        .hasValueSatisfying(
            status -> assertThat(status.describe()).isEqualTo("killed by signal 9 (SIGKILL)"));
    VmLaunchSpec other = spec(UUID.randomUUID().toString(), dir.resolve("other-vm"));
    assertThat(next.endedStatus(other)).as("a work directory without a status").isEmpty();
  }

  @Test
  void findVmsReportsTheQemuNotItsWrapper() throws Exception {
    Path cvms = dir.resolve("state").resolve("cvms");
    String id = UUID.randomUUID().toString();
    VmLaunchSpec spec = spec(id, cvms.resolve(id).resolve("vm"));
    QemuHypervisor hypervisor = new QemuHypervisor(config("quiet"));
    VmProcess vm = start(hypervisor, spec);

    assertThat(hypervisor.findVms(cvms))
        .singleElement()
        .satisfies(found -> assertThat(found.process().pid()).isEqualTo(vm.pid()));
    long wrapper = ProcFs.stat(vm.pid()).orElseThrow().parentPid();
    assertThat(ProcFs.cmdline(wrapper)).contains(fakeQemu.toString(), "-pidfile");
  }

  // ------------------------------------------------------------------ adopt

  /**
   * Starts the fake the way an earlier manager would have left it: not a child of this JVM, in a
   * session of its own. Its parent is a shell that runs {@code afterwards} and so decides when the
   * fake is reaped.
   */
  private long launchElsewhere(QemuConfig config, VmLaunchSpec spec, String afterwards)
      throws Exception {
    List<String> command =
        new ArrayList<>(List.of("setsid", "/bin/sh", "-c", "\"$@\" & " + afterwards, "sh"));
    command.addAll(QemuCommandLine.of(config, spec).command());
    Files.createDirectories(spec.workDir());
    Files.write(QemuCommandLine.ovmfVarsCopy(spec), VARS_TEMPLATE);
    launchers.add(
        new ProcessBuilder(command)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectErrorStream(true)
            .start());
    Path pidFile = dir.resolve("qemu.pid");
    await().atMost(5, SECONDS).until(() -> Files.exists(pidFile));
    long pid = Long.parseLong(Files.readString(pidFile).strip());
    startedElsewhere.add(pid);
    return pid;
  }

  private QemuConfig configWithPidFile(String more) {
    return config("quiet fake.pidfile=" + dir.resolve("qemu.pid") + " " + more);
  }

  private static Instant startOf(long pid) {
    return ProcessHandle.of(pid).orElseThrow().info().startInstant().orElseThrow();
  }

  @Test
  void adoptsQemuStartedElsewhereAndNoticesItsEndPromptlyEvenAsAZombie() throws Exception {
    QemuConfig config = configWithPidFile("");
    VmLaunchSpec spec = spec();
    // The parent sleeps before it reaps, so the ended fake stays a zombie for a while. Not a shell:
    // dash and bash reap any child whenever they wait for one or get SIGCHLD.
    long pid = launchElsewhere(config, spec, "exec perl -e 'sleep 2; wait'");
    assertThat(ProcFs.stat(pid).orElseThrow().parentPid())
        .isNotEqualTo(ProcessHandle.current().pid());

    Optional<VmProcess> adopted = new QemuHypervisor(config).adopt(spec, pid, startOf(pid));

    assertThat(adopted).isPresent();
    VmProcess vm = adopted.get();
    assertThat(vm.pid()).isEqualTo(pid);
    assertThat(vm.startedAt()).isEqualTo(startOf(pid));
    assertThat(vm.isAlive()).isTrue();
    assertThat(vm.exit()).isNotDone();

    ProcessHandle.of(pid).orElseThrow().destroyForcibly();

    assertThat(vm.exit().get(1500, MILLISECONDS))
        .as("killed without a word, and no wrapper to tell how")
        .isEqualTo(ExitStatus.UNKNOWN);
    assertThat(ProcFs.stat(pid))
        .as("still a zombie: the JDK would call it alive")
        .hasValueSatisfying(s -> assertThat(s.isZombie()).isTrue());
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).contains(true);
    assertThat(vm.isAlive()).isFalse();
  }

  @Test
  void stopOnAnAdoptedQemuEscalatesToSigkill() throws Exception {
    QemuConfig config = configWithPidFile("fake.ignore-term");
    VmLaunchSpec spec = spec();
    long pid = launchElsewhere(config, spec, "wait");
    VmProcess vm = new QemuHypervisor(config).adopt(spec, pid, startOf(pid)).orElseThrow();
    long before = System.nanoTime();

    int code = vm.stop(Duration.ofMillis(400));

    assertThat(code).isEqualTo(VmProcess.UNKNOWN_EXIT_CODE);
    assertThat(Duration.ofNanos(System.nanoTime() - before))
        .isGreaterThanOrEqualTo(Duration.ofMillis(400));
    assertThat(launchers.get(0).waitFor(5, SECONDS)).as("its parent reaped it and exited").isTrue();
    assertThat(proc(pid)).doesNotExist();
  }

  @Test
  void adoptAllowsSubSecondStartTimeDifferencesButRefusesOthers() throws Exception {
    QemuConfig config = configWithPidFile("");
    VmLaunchSpec spec = spec();
    long pid = launchElsewhere(config, spec, "wait");
    QemuHypervisor hypervisor = new QemuHypervisor(config);
    Instant start = startOf(pid);

    assertThat(hypervisor.adopt(spec, pid, start.plusMillis(600))).isPresent();
    assertThat(hypervisor.adopt(spec, pid, start.minusMillis(600))).isPresent();
    assertThat(hypervisor.adopt(spec, pid, start.plusSeconds(5))).isEmpty();
    assertThat(hypervisor.adopt(spec, pid, start.minusSeconds(2))).isEmpty();
  }

  @Test
  void adoptRefusesAProcessThatIsNotThisCvmsQemu() throws Exception {
    QemuConfig config = configWithPidFile("");
    VmLaunchSpec spec = spec();
    long pid = launchElsewhere(config, spec, "wait");
    QemuHypervisor hypervisor = new QemuHypervisor(config);
    Process other = new ProcessBuilder("perl", "-e", "sleep 10", spec.cvmId()).start();
    startedElsewhere.add(other.pid());
    launchers.add(other);

    assertThat(hypervisor.adopt(spec(), pid, startOf(pid))).as("another CVM's id").isEmpty();
    assertThat(hypervisor.adopt(spec, other.pid(), startOf(other.pid())))
        .as("not the QEMU binary")
        .isEmpty();
    assertThat(
            new QemuHypervisor(config("quiet", "BIN_PATH", "/usr/bin/qemu-system-x86_64"))
                .adopt(spec, pid, startOf(pid)))
        .as("another QEMU binary")
        .isEmpty();
    assertThat(hypervisor.adopt(spec, pid, startOf(pid))).isPresent();
  }

  @Test
  void findVmsFindsTheQemusOfAStateDirByTheirPidFileWhateverTheirParent() throws Exception {
    QemuConfig config = configWithPidFile("");
    Path cvms = dir.resolve("state").resolve("cvms");
    String id = UUID.randomUUID().toString();
    Path cvmDir = cvms.resolve(id);
    VmLaunchSpec mine = spec(id, cvmDir.resolve("vm"));
    long pid = launchElsewhere(config, mine, "wait");
    QemuHypervisor hypervisor = new QemuHypervisor(config);
    // Another state dir's QEMU, and one this manager started itself.
    VmProcess other = start(hypervisor, spec());

    List<FoundVm> found = hypervisor.findVms(cvms);

    assertThat(found)
        .singleElement()
        .satisfies(
            vm -> {
              assertThat(vm.workDir()).isEqualTo(cvmDir.resolve("vm"));
              assertThat(vm.process().pid()).isEqualTo(pid);
            });
    assertThat(hypervisor.findVms(dir.resolve("elsewhere"))).isEmpty();
    found.get(0).process().stop(Duration.ofSeconds(2));
    assertThat(gone(pid)).isTrue();
    assertThat(other.isAlive()).isTrue();
  }

  @Test
  void adoptRefusesAPidThatIsGone() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();

    assertThat(new QemuHypervisor(config("quiet")).adopt(spec(), gone.pid(), Instant.now()))
        .isEmpty();
  }

  @Test
  void exitFuturesOfAdoptedProcessesAreIndependentCopies() throws Exception {
    QemuConfig config = configWithPidFile("");
    VmLaunchSpec spec = spec();
    long pid = launchElsewhere(config, spec, "wait");
    VmProcess vm = new QemuHypervisor(config).adopt(spec, pid, startOf(pid)).orElseThrow();
    CompletableFuture<ExitStatus> mine = vm.exit();

    mine.complete(ExitStatus.exited(42));

    assertThat(vm.exit()).isNotDone();
    assertThat(vm.stop(Duration.ofSeconds(5)))
        .as("SIGTERM: QEMU announced the shutdown and exits 0")
        .isZero();
  }
}
