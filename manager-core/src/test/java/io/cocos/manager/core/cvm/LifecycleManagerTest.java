package io.cocos.manager.core.cvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.cocos.manager.core.alloc.PortAllocator;
import io.cocos.manager.core.config.LifecycleConfig;
import io.cocos.manager.core.config.PortRange;
import io.cocos.manager.core.event.CvmEvent;
import io.cocos.manager.core.event.CvmEventType;
import io.cocos.manager.core.host.ProcHostResources;
import io.cocos.manager.core.store.StateStore;
import io.cocos.manager.core.testing.FakeHypervisor;
import io.cocos.manager.core.trace.StepTracer;
import io.cocos.manager.core.vm.ExitStatus;
import io.cocos.manager.core.vm.GuestEvent;
import io.cocos.manager.core.vm.TeeKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LifecycleManagerTest {
  @TempDir Path stateDir;
  final FakeHypervisor hypervisor = new FakeHypervisor();
  final List<CvmEvent> events = new CopyOnWriteArrayList<>();
  final List<LifecycleManager> managers = new ArrayList<>();

  static final AttestationPolicies NO_POLICIES =
      new AttestationPolicies() {
        @Override
        public Optional<String> launchTcb(TeeKind tee) {
          return Optional.empty();
        }

        @Override
        public byte[] policy(CvmRecord cvm) throws ManagerException {
          throw new ManagerException(ManagerException.Reason.FAILED_PRECONDITION, "plain CVM");
        }
      };

  /** The host ports on which a CVM's agent answers. */
  final Set<Integer> agentPorts = ConcurrentHashMap.newKeySet();

  LifecycleManager manager(int maxVms, PortRange range) throws Exception {
    LifecycleConfig config =
        new LifecycleConfig(stateDir, maxVms, range, 3, Duration.ofSeconds(1), "eos-1", 64L << 20);
    LifecycleManager m =
        new LifecycleManager(
            config,
            hypervisor,
            NO_POLICIES,
            new StateStore(stateDir),
            new PortAllocator(range, p -> true),
            Clock.systemUTC(),
            StepTracer.NONE,
            port -> CompletableFuture.completedFuture(agentPorts.contains(port)),
            ProcHostResources.system());
    m.subscribe(events::add);
    managers.add(m);
    return m;
  }

  LifecycleManager manager() throws Exception {
    return manager(10, new PortRange(6100, 6199));
  }

  /**
   * Waits for an event about the CVM. EXITED is published once the record is saved; ListVms shows
   * the state a moment before, so a test that reads state.json or restarts waits for the event.
   */
  void awaitEvent(CvmEventType type, String cvmId) {
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> events.stream().anyMatch(e -> e.type() == type && e.cvmId().equals(cvmId)));
  }

  @AfterEach
  void closeManagers() {
    managers.forEach(LifecycleManager::close);
  }

  static CreateRequest request(String ttl) {
    return new CreateRequest("info", null, null, null, "cvms:7001", "", ttl);
  }

  List<Path> cvmDirs() throws Exception {
    try (Stream<Path> s = Files.list(stateDir.resolve("cvms"))) {
      return s.toList();
    }
  }

  @Test
  void createsARunningCvmWithItsFilesAndRemovesEveryTraceOfIt() throws Exception {
    LifecycleManager m = manager();
    CreatedCvm created = m.createVm(request(""));
    Path dir = stateDir.resolve("cvms").resolve(created.id());

    assertThat(created.forwardedPort()).isEqualTo(6100);
    assertThat(dir.resolve("env/environment")).content().contains("AGENT_CVM_ID=" + created.id());
    assertThat(dir.resolve("state.json")).content().contains("\"state\":\"running\"");
    assertThat(m.listVms())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.state()).isEqualTo(CvmState.RUNNING);
              assertThat(r.guestCid()).isEqualTo(3);
              assertThat(r.pid()).isPositive();
            });
    assertThat(m.cvmInfo(created.id()))
        .isEqualTo(new CvmInfo(created.id(), "edk2-test", 4, "EPYC", "console=ttyS0", "eos-1"));

    m.removeVm(created.id());

    assertThat(dir).doesNotExist();
    assertThat(m.listVms()).isEmpty();
    assertThat(hypervisor.running).isEmpty();
    assertThat(m.ports().unheld()).isEqualTo(100);
    assertThat(m.slots().taken()).isZero();
    assertThat(events)
        .extracting(CvmEvent::type)
        .containsExactly(
            CvmEventType.CREATED,
            CvmEventType.RUNNING,
            CvmEventType.STOPPING,
            CvmEventType.REMOVED);
    assertThatThrownBy(() -> m.removeVm(created.id()))
        .isInstanceOf(ManagerException.class)
        .hasMessage("no CVM with id " + created.id());
  }

  @Test
  void aVmThatFailsToStartLeavesNothingBehind() throws Exception {
    LifecycleManager m = manager();
    hypervisor.failures.add("qemu-system-x86_64: -kernel img/bzImage: No such file or directory");

    assertThatThrownBy(() -> m.createVm(request("")))
        .isInstanceOf(ManagerException.class)
        .hasMessageContaining("QEMU failed to start: qemu-system-x86_64: -kernel img/bzImage")
        .extracting(e -> ((ManagerException) e).reason())
        .isEqualTo(ManagerException.Reason.FAILED_PRECONDITION);
    assertThat(cvmDirs()).isEmpty();
    assertThat(m.listVms()).isEmpty();
    assertThat(m.ports().unheld()).isEqualTo(100);
    assertThat(m.slots().taken()).isZero();
    assertThat(events)
        .extracting(CvmEvent::type)
        .containsExactly(CvmEventType.CREATED, CvmEventType.FAILED);
    // the CID came back too: the next CVM gets the first one
    m.createVm(request(""));
    assertThat(m.listVms()).singleElement().extracting(CvmRecord::guestCid).isEqualTo(3);
  }

  @Test
  void anErrorOrRuntimeExceptionAfterTheSpawnStopsTheVmAndLeavesNothingBehind() throws Exception {
    LifecycleManager m = manager();
    OutOfMemoryError outOfMemory = new OutOfMemoryError("Java heap space");
    StackOverflowError stackOverflow = new StackOverflowError();
    IllegalStateException bug = new IllegalStateException("a bug in the last step");
    hypervisor.readinessThrows.add(outOfMemory);
    hypervisor.guestEventSubscriptionThrows.add(stackOverflow);

    assertThatThrownBy(() -> m.createVm(request("1h"))).isSameAs(outOfMemory);
    assertThatThrownBy(() -> m.createVm(request("1h"))).isSameAs(stackOverflow);
    hypervisor.guestEventSubscriptionThrows.add(bug);
    assertThatThrownBy(() -> m.createVm(request("1h"))).isSameAs(bug);

    assertThat(hypervisor.started).hasSize(3); // each got as far as a running VM
    assertThat(hypervisor.running).isEmpty(); // and each VM was stopped
    assertThat(cvmDirs()).isEmpty();
    assertThat(m.listVms()).isEmpty();
    assertThat(m.ports().unheld()).isEqualTo(100);
    assertThat(m.slots().taken()).isZero();
    assertThat(events)
        .filteredOn(e -> e.type() == CvmEventType.FAILED)
        .extracting(CvmEvent::detail)
        .containsExactly(
            "java.lang.OutOfMemoryError: Java heap space",
            "java.lang.StackOverflowError",
            "a bug in the last step");
    m.createVm(request(""));
    assertThat(m.listVms()).singleElement().extracting(CvmRecord::guestCid).isEqualTo(3);
  }

  @Test
  void aPortLostToAnotherProcessIsRetriedWithTheNextOne() throws Exception {
    LifecycleManager m = manager();
    hypervisor.failures.add(
        "qemu-system-x86_64: -netdev user,id=vmnic: Could not set up host forwarding rule 'tcp::6100-:7002'");
    CreatedCvm created = m.createVm(request(""));
    assertThat(created.forwardedPort()).isEqualTo(6101);
    assertThat(m.ports().unheld()).isEqualTo(99);
  }

  @Test
  void invalidRequestsAreRefusedBeforeAnythingIsAllocated() throws Exception {
    LifecycleManager m = manager();
    assertThatThrownBy(
            () -> m.createVm(new CreateRequest("info\nEVIL=1", null, null, null, "h:1", "", "")))
        .extracting(e -> ((ManagerException) e).reason())
        .isEqualTo(ManagerException.Reason.INVALID_ARGUMENT);
    assertThat(cvmDirs()).isEmpty();
    assertThat(events).isEmpty();
    assertThat(m.slots().taken()).isZero();
  }

  @Test
  void maxVmsAndThePortRangeAreEnforced() throws Exception {
    LifecycleManager m = manager(2, new PortRange(6100, 6109));
    CreatedCvm first = m.createVm(request(""));
    m.createVm(request(""));
    assertThatThrownBy(() -> m.createVm(request("")))
        .hasMessageContaining("MANAGER_MAX_VMS")
        .extracting(e -> ((ManagerException) e).reason())
        .isEqualTo(ManagerException.Reason.RESOURCE_EXHAUSTED);
    m.removeVm(first.id());
    m.createVm(request(""));

    LifecycleManager narrow = manager(10, new PortRange(7100, 7100));
    Files.createDirectories(stateDir); // same store is fine: ids differ
    narrow.createVm(request(""));
    assertThatThrownBy(() -> narrow.createVm(request("")))
        .hasMessageContaining("no free host port")
        .extracting(e -> ((ManagerException) e).reason())
        .isEqualTo(ManagerException.Reason.RESOURCE_EXHAUSTED);
    assertThat(narrow.slots().taken()).isEqualTo(1);
  }

  @Test
  void aPassedThroughGpuIsOneCvmsAtATimeAndGoesBackHoweverTheCvmEnds() throws Exception {
    hypervisor.exclusiveDevice = "GPU 0000:41:00.0";
    LifecycleManager m = manager();
    CreatedCvm holder = m.createVm(request(""));

    assertThatThrownBy(() -> m.createVm(request("")))
        .hasMessage("GPU 0000:41:00.0 is in use by CVM " + holder.id())
        .extracting(e -> ((ManagerException) e).reason())
        .isEqualTo(ManagerException.Reason.RESOURCE_EXHAUSTED);
    assertThat(cvmDirs()).hasSize(1);
    assertThat(m.slots().taken()).isEqualTo(1);

    m.removeVm(holder.id()); // removal gives it back
    CreatedCvm crasher = m.createVm(request(""));
    hypervisor.vmOf(crasher.id()).crash(1); // so does an exit
    awaitEvent(CvmEventType.EXITED, crasher.id());
    hypervisor.failures.add("qemu-system-x86_64: vfio 0000:41:00.0: group 12 is not viable");
    assertThatThrownBy(() -> m.createVm(request(""))) // and a failed start
        .extracting(e -> ((ManagerException) e).reason())
        .isEqualTo(ManagerException.Reason.FAILED_PRECONDITION);
    CreatedCvm survivor = m.createVm(request(""));
    m.close();

    LifecycleManager restarted = manager();
    restarted.restore(); // the adopted CVM still holds it
    assertThatThrownBy(() -> restarted.createVm(request("")))
        .hasMessage("GPU 0000:41:00.0 is in use by CVM " + survivor.id());
  }

  @Test
  void kbcParametersAreRefusedWhenTheGuestBootsFromADiskWithItsOwnKernelLine() throws Exception {
    hypervisor.passesKernelParameters = false;
    LifecycleManager m = manager();
    CreateRequest withKbc =
        new CreateRequest(
            "info",
            null,
            null,
            null,
            "",
            "",
            "",
            "",
            CreateRequest.ObjectStorageAccess.NONE,
            "type=sample");

    assertThatThrownBy(() -> m.createVm(withKbc))
        .hasMessageContaining("aa_kbs_params needs kernel boot")
        .extracting(e -> ((ManagerException) e).reason())
        .isEqualTo(ManagerException.Reason.FAILED_PRECONDITION);
    assertThat(cvmDirs()).isEmpty();
    assertThat(m.slots().taken()).isZero();
    assertThat(m.createVm(request("")).id()).isNotEmpty(); // without them the same manager creates
  }

  @Test
  void guestEventsBecomeLifecycleEventsAndTheGuestStatusIsListed() throws Exception {
    LifecycleManager m = manager();
    CreatedCvm created = m.createVm(request(""));
    FakeHypervisor.FakeVm vm = hypervisor.vmOf(created.id());
    assertThat(m.guestStatus(created.id())).isEqualTo("running");

    vm.guest(GuestEvent.Kind.STOPPED, "", "paused");
    vm.guest(GuestEvent.Kind.RESUMED, "", "running");
    vm.guest(GuestEvent.Kind.PANICKED, "action pause", "guest-panicked");

    assertThat(events)
        .extracting(CvmEvent::type)
        .containsSubsequence(
            CvmEventType.RUNNING,
            CvmEventType.GUEST_STOPPED,
            CvmEventType.GUEST_RESUMED,
            CvmEventType.GUEST_PANICKED);
    CvmEvent panic = events.get(events.size() - 1);
    assertThat(panic.detail()).isEqualTo("action pause");
    assertThat(panic.state()).as("a guest event changes no state").isEqualTo(CvmState.RUNNING);
    assertThat(m.guestStatus(created.id())).isEqualTo("guest-panicked");
    assertThat(m.guestStatus("no-such-cvm")).isEmpty();
  }

  @Test
  void aGuestThatPowersItselfOffEndsExitedWithTheReasonInTheEvent() throws Exception {
    LifecycleManager m = manager();
    CreatedCvm created = m.createVm(request(""));

    hypervisor.vmOf(created.id()).powerOff("guest-shutdown");

    awaitEvent(CvmEventType.EXITED, created.id());
    assertThat(m.listVms().get(0).state()).isEqualTo(CvmState.EXITED);
    assertThat(events)
        .extracting(CvmEvent::type)
        .containsSubsequence(CvmEventType.GUEST_SHUTDOWN, CvmEventType.EXITED);
    CvmEvent exited =
        events.stream().filter(e -> e.type() == CvmEventType.EXITED).findFirst().orElseThrow();
    assertThat(exited.detail()).isEqualTo("exit code 0, shutdown reason guest-shutdown");
    assertThat(m.guestStatus(created.id())).isEqualTo("shutdown");
  }

  @Test
  void theAgentIsProbedUntilItAnswersThenOneAgentReadyEventAndTheTimeIsKept() throws Exception {
    LifecycleManager m = manager();
    CreatedCvm created = m.createVm(request(""));
    assertThat(m.agentReadyAfter(created.id())).isEmpty();

    agentPorts.add(created.forwardedPort());

    await().atMost(Duration.ofSeconds(10)).until(() -> m.agentReadyAfter(created.id()).isPresent());
    assertThat(events)
        .filteredOn(e -> e.type() == CvmEventType.AGENT_READY)
        .singleElement()
        .satisfies(e -> assertThat(e.detail()).matches("\\d+\\.\\d s after CreateVm"));
    assertThat(m.agentReadyAfter(created.id()).get()).isPositive();
  }

  @Test
  void removalShutsTheVmDownGracefully() throws Exception {
    LifecycleManager m = manager();
    CreatedCvm created = m.createVm(request(""));
    FakeHypervisor.FakeVm vm = hypervisor.vmOf(created.id());

    m.removeVm(created.id());

    assertThat(vm.shutDowns).hasValue(1);
  }

  @Test
  void aVmThatExitsOnItsOwnReleasesItsResourcesButStaysVisibleUntilRemoved() throws Exception {
    LifecycleManager m = manager();
    CreatedCvm created = m.createVm(request(""));
    Path dir = stateDir.resolve("cvms").resolve(created.id());

    hypervisor.vmOf(created.id()).crash(3);

    awaitEvent(CvmEventType.EXITED, created.id());
    assertThat(m.listVms().get(0).state()).isEqualTo(CvmState.EXITED);
    CvmRecord exited = m.listVms().get(0);
    assertThat(exited.exitCode()).isEqualTo(3);
    assertThat(m.ports().unheld()).isEqualTo(100);
    assertThat(m.slots().taken()).isZero();
    assertThat(dir.resolve("certs")).doesNotExist();
    assertThat(dir.resolve("env")).doesNotExist();
    assertThat(dir.resolve("console.log")).exists();
    assertThat(dir.resolve("state.json")).content().contains("\"exit_code\":3");

    m.removeVm(created.id());
    assertThat(dir).doesNotExist();
    assertThat(events)
        .extracting(CvmEvent::type)
        .containsSubsequence(CvmEventType.EXITED, CvmEventType.REMOVED);
  }

  @Test
  void theTtlRemovesTheCvmAsRemoveVmDoes() throws Exception {
    LifecycleManager m = manager();
    CreatedCvm created = m.createVm(request("300ms"));
    assertThat(m.listVms().get(0).ttlDeadline()).isNotNull();
    await().atMost(Duration.ofSeconds(5)).until(() -> m.listVms().isEmpty());
    assertThat(stateDir.resolve("cvms").resolve(created.id())).doesNotExist();
    assertThat(hypervisor.running).isEmpty();
    assertThat(events)
        .extracting(CvmEvent::type)
        .containsSubsequence(CvmEventType.TTL_EXPIRED, CvmEventType.STOPPING, CvmEventType.REMOVED);
  }

  @Test
  void aRestartAdoptsLiveVmsReArmsTheirTtlAndCleansUpTheDeadOnes() throws Exception {
    LifecycleManager first = manager();
    CreatedCvm survivor = first.createVm(request("2s"));
    CreatedCvm victim = first.createVm(request(""));
    CreatedCvm exited = first.createVm(request(""));
    hypervisor.vmOf(exited.id()).crash(7);
    awaitEvent(CvmEventType.EXITED, exited.id());
    assertThat(first.listVms()).anyMatch(r -> r.state() == CvmState.EXITED);
    first.close();
    hypervisor.vmOf(victim.id()).crash(9); // dies while no manager runs

    LifecycleManager second = manager();
    second.restore();

    assertThat(second.listVms())
        .extracting(CvmRecord::id)
        .containsExactlyInAnyOrder(survivor.id(), exited.id());
    assertThat(stateDir.resolve("cvms").resolve(victim.id())).doesNotExist();
    assertThat(second.ports().unheld()).isEqualTo(99);
    assertThat(second.slots().taken()).isEqualTo(1);
    assertThat(events).filteredOn(e -> e.type() == CvmEventType.RESTORED).hasSize(2);
    // the next CVM does not get the survivor's port or CID
    CreatedCvm next = second.createVm(request(""));
    assertThat(next.forwardedPort()).isNotEqualTo(survivor.forwardedPort());
    assertThat(second.listVms()).extracting(CvmRecord::guestCid).doesNotHaveDuplicates();
    // the adopted VM's TTL still fires
    await()
        .atMost(Duration.ofSeconds(6))
        .until(() -> second.listVms().stream().noneMatch(r -> r.id().equals(survivor.id())));
    // and an adopted VM that dies is noticed
    hypervisor.vmOf(next.id()).crash(1);
    await()
        .until(
            () ->
                second.listVms().stream()
                    .anyMatch(r -> r.id().equals(next.id()) && r.state() == CvmState.EXITED));
  }

  @Test
  void aVmThatEndedWhileNoManagerRanAndLeftItsStatusIsExitedAfterTheRestart() throws Exception {
    LifecycleManager first = manager();
    CreatedCvm created = first.createVm(request(""));
    Path dir = stateDir.resolve("cvms").resolve(created.id());
    first.close();
    hypervisor.vmOf(created.id()).crash(128 + 9); // killed while no manager runs
    hypervisor.endedWhileDown.put(created.id(), ExitStatus.killedBy(9));

    LifecycleManager second = manager();
    second.restore();

    assertThat(second.listVms())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.state()).isEqualTo(CvmState.EXITED);
              assertThat(r.exitCode()).isEqualTo(137);
            });
    assertThat(events)
        .filteredOn(e -> e.type() == CvmEventType.EXITED)
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.detail())
                    .isEqualTo("killed by signal 9 (SIGKILL) (ended while no manager ran)"));
    assertThat(dir.resolve("state.json")).content().contains("\"exit_code\":137");
    assertThat(dir.resolve("console.log")).exists();
    assertThat(dir.resolve("certs")).doesNotExist();
    assertThat(second.ports().unheld()).isEqualTo(100);
  }

  @Test
  void aSlowRemovalBlocksNoOtherCvm() throws Exception {
    LifecycleManager m = manager();
    CreatedCvm slow = m.createVm(request(""));
    CountDownLatch gate = new CountDownLatch(1);
    hypervisor.stopGate = gate;
    ExecutorService pool = Executors.newSingleThreadExecutor();
    Future<?> removal =
        pool.submit(
            () -> {
              m.removeVm(slow.id());
              return null;
            });
    await().until(() -> m.listVms().get(0).state() == CvmState.STOPPING);

    hypervisor.stopGate = null;
    CreatedCvm other = m.createVm(request(""));
    assertThat(m.cvmInfo(other.id()).id()).isEqualTo(other.id());
    m.removeVm(other.id());
    assertThat(removal).isNotDone();

    gate.countDown();
    removal.get(5, TimeUnit.SECONDS);
    pool.shutdown();
    assertThat(m.listVms()).isEmpty();
  }

  @Test
  void concurrentCreatesGetDistinctPortsAndCids() throws Exception {
    LifecycleManager m = manager(40, new PortRange(6100, 6199));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<CreatedCvm>> results = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      results.add(pool.submit(() -> m.createVm(request(""))));
    }
    HashSet<Integer> ports = new HashSet<>();
    for (Future<CreatedCvm> f : results) {
      ports.add(f.get(10, TimeUnit.SECONDS).forwardedPort());
    }
    assertThatThrownBy(() -> m.createVm(request(""))).hasMessageContaining("MANAGER_MAX_VMS");
    pool.shutdown();
    assertThat(ports).hasSize(40);
    assertThat(m.listVms()).extracting(CvmRecord::guestCid).doesNotHaveDuplicates().hasSize(40);
  }

  /** Rewrites a CVM's record as a manager killed at some step of its create would have left it. */
  void rewriteRecord(String id, CvmState state, boolean withPid) throws Exception {
    Path file = stateDir.resolve("cvms").resolve(id).resolve("state.json");
    String json =
        Files.readString(file)
            .replace("\"state\":\"running\"", "\"state\":\"" + state.wireName() + "\"");
    if (!withPid) {
      json =
          json.replaceAll("\"pid\":[0-9]+", "\"pid\":0")
              .replaceAll(",\"process_start\":\"[^\"]*\"", "");
    }
    Files.writeString(file, json);
  }

  @Test
  void aQemuWhoseRecordHasNoPidYetIsFoundAndStoppedAtRestore() throws Exception {
    LifecycleManager first = manager();
    CreatedCvm created = first.createVm(request(""));
    first.close();
    rewriteRecord(
        created.id(), CvmState.PROVISIONING, false); // killed between spawn and pid on disk

    LifecycleManager second = manager();
    second.restore();

    assertThat(hypervisor.running).isEmpty();
    assertThat(cvmDirs()).isEmpty();
    assertThat(second.listVms()).isEmpty();
    assertThat(second.ports().unheld()).isEqualTo(100);
    assertThat(second.slots().taken()).isZero();
  }

  @Test
  void aVmThatCannotBeStoppedKeepsItsRecordAndHoldingsAndHangsNeitherRemovalNorRestore()
      throws Exception {
    LifecycleManager first = manager();
    CreatedCvm held = first.createVm(request(""));
    CreatedCvm orphan = first.createVm(request(""));
    hypervisor.unstoppable = true;

    assertThatThrownBy(() -> first.removeVm(held.id()))
        .hasMessageContaining("is not removed")
        .hasMessageContaining("still alive after SIGKILL")
        .extracting(e -> ((ManagerException) e).reason())
        .isEqualTo(ManagerException.Reason.FAILED_PRECONDITION);
    assertThat(first.listVms())
        .filteredOn(r -> r.id().equals(held.id()))
        .singleElement()
        .extracting(CvmRecord::state)
        .isEqualTo(CvmState.STOPPING);
    assertThat(first.slots().taken()).isEqualTo(2); // nothing given back while it may run
    first.close();
    rewriteRecord(orphan.id(), CvmState.PROVISIONING, false); // its QEMU now has no valid owner

    LifecycleManager second = manager();
    second.restore(); // logs the unstoppable orphan, goes on
    assertThat(second.listVms()).extracting(CvmRecord::id).contains(held.id());

    hypervisor.unstoppable = false; // the operator stopped it by hand
    try {
      second.removeVm(held.id());
    } catch (ManagerException e) { // restore's own retry got there first
      assertThat(e.reason()).isEqualTo(ManagerException.Reason.NOT_FOUND);
    }
    await().until(() -> second.listVms().stream().noneMatch(r -> r.id().equals(held.id())));
    assertThat(stateDir.resolve("cvms").resolve(held.id())).doesNotExist();
  }

  @Test
  void aCvmKilledDuringItsReadinessWaitIsAdoptedAsRunning() throws Exception {
    LifecycleManager first = manager();
    CreatedCvm created = first.createVm(request(""));
    first.close();
    rewriteRecord(created.id(), CvmState.PROVISIONING, true);

    LifecycleManager second = manager();
    second.restore();

    assertThat(second.listVms())
        .singleElement()
        .extracting(CvmRecord::state)
        .isEqualTo(CvmState.RUNNING);
    assertThat(stateDir.resolve("cvms").resolve(created.id()).resolve("state.json"))
        .content()
        .contains("\"state\":\"running\"");
    assertThat(hypervisor.running).hasSize(1);
    second.removeVm(created.id());
    assertThat(hypervisor.running).isEmpty();
  }

  @Test
  void copiedAndUnreadableRecordsAreQuarantinedTheirVmsStoppedAndTakeNoSlot() throws Exception {
    LifecycleManager first = manager();
    CreatedCvm kept = first.createVm(request(""));
    CreatedCvm damaged = first.createVm(request(""));
    first.close();
    Path cvms = stateDir.resolve("cvms");
    Path copy = Files.createDirectories(cvms.resolve(UUID.randomUUID().toString()));
    Files.copy(cvms.resolve(kept.id()).resolve("state.json"), copy.resolve("state.json"));
    Files.writeString(
        cvms.resolve(damaged.id()).resolve("state.json"), "{\"id\":\"" + damaged.id());

    LifecycleManager second = manager();
    second.restore();

    assertThat(second.listVms()).extracting(CvmRecord::id).containsExactly(kept.id());
    assertThat(second.slots().taken()).isEqualTo(1);
    assertThat(hypervisor.running.values())
        .extracting(vm -> vm.spec.cvmId())
        .containsExactly(kept.id());
    try (Stream<Path> s = Files.list(stateDir.resolve("quarantine"))) {
      assertThat(s.toList()).hasSize(2);
    }
    assertThat(cvmDirs()).containsExactly(cvms.resolve(kept.id()));
  }

  @Test
  void aRemovalThatCannotDeleteEveryFileSaysWhatIsLeftAndARetryOrARestartFinishesIt()
      throws Exception {
    LifecycleManager m = manager();
    CreatedCvm retried = m.createVm(request(""));
    CreatedCvm restarted = m.createVm(request(""));
    Path retriedDir = stateDir.resolve("cvms").resolve(retried.id());
    Path restartedDir = stateDir.resolve("cvms").resolve(restarted.id());
    io.cocos.manager.core.store.Immutable.set(retriedDir);
    io.cocos.manager.core.store.Immutable.set(restartedDir);
    try {
      for (CreatedCvm c : List.of(retried, restarted)) {
        assertThatThrownBy(() -> m.removeVm(c.id()))
            .isInstanceOf(ManagerException.class)
            .hasMessageContaining("not all of its files could be deleted")
            .hasMessageContaining(stateDir.resolve("cvms").resolve(c.id()).toString())
            .hasMessageContaining("console.log")
            .extracting(e -> ((ManagerException) e).reason())
            .isEqualTo(ManagerException.Reason.FAILED_PRECONDITION);
      }
      assertThat(hypervisor.running).isEmpty();
      assertThat(m.listVms()).extracting(CvmRecord::state).containsOnly(CvmState.STOPPING);
      assertThat(m.ports().unheld()).isEqualTo(100);
      assertThat(m.slots().taken()).isZero();
    } finally {
      io.cocos.manager.core.store.Immutable.clear(retriedDir);
      io.cocos.manager.core.store.Immutable.clear(restartedDir);
    }
    m.removeVm(retried.id());
    assertThat(retriedDir).doesNotExist();
    m.close();

    LifecycleManager next = manager();
    next.restore();
    assertThat(restartedDir).doesNotExist();
    assertThat(next.listVms()).isEmpty();
  }

  @Test
  void theTtlEventComesBeforeStoppingAndRemovedEvenUnderConcurrentRemoval() throws Exception {
    LifecycleManager m = manager();
    for (int i = 0; i < 20; i++) {
      CreatedCvm c = m.createVm(request("1ms"));
      try {
        m.removeVm(c.id());
      } catch (ManagerException e) {
        // the TTL won
      }
      await()
          .until(
              () ->
                  events.stream()
                      .anyMatch(e -> e.cvmId().equals(c.id()) && e.type() == CvmEventType.REMOVED));
      List<CvmEventType> types =
          events.stream().filter(e -> e.cvmId().equals(c.id())).map(CvmEvent::type).toList();
      assertThat(types.indexOf(CvmEventType.REMOVED)).isEqualTo(types.size() - 1);
      if (types.contains(CvmEventType.TTL_EXPIRED)) {
        assertThat(types)
            .containsSubsequence(
                CvmEventType.TTL_EXPIRED, CvmEventType.STOPPING, CvmEventType.REMOVED);
      }
    }
  }

  @Test
  void unknownIdsAreNotFound() throws Exception {
    LifecycleManager m = manager();
    for (ThrowingCall call :
        List.<ThrowingCall>of(
            () -> m.removeVm("nope"), () -> m.cvmInfo("nope"), () -> m.attestationPolicy("nope"))) {
      assertThatThrownBy(call::run)
          .isInstanceOf(ManagerException.class)
          .hasMessage("no CVM with id nope")
          .extracting(e -> ((ManagerException) e).reason())
          .isEqualTo(ManagerException.Reason.NOT_FOUND);
    }
  }

  interface ThrowingCall {
    void run() throws Exception;
  }
}
