package io.cocos.manager.core.cvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.cocos.manager.core.alloc.PortAllocator;
import io.cocos.manager.core.config.HostMemoryPolicy;
import io.cocos.manager.core.config.LifecycleConfig;
import io.cocos.manager.core.config.PortRange;
import io.cocos.manager.core.host.ProcHostResources;
import io.cocos.manager.core.store.StateStore;
import io.cocos.manager.core.testing.FakeHypervisor;
import io.cocos.manager.core.trace.StepTracer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CreateVm's memory admission: committed + asked &lt;= (MemTotal - reserve) * overcommit, decided
 * before anything is made. The host is a /proc/meminfo fixture read by the real reader.
 */
class AdmissionTest {
  static final long MIB = 1L << 20;

  @TempDir Path stateDir;
  @TempDir Path proc;
  final FakeHypervisor hypervisor = new FakeHypervisor();
  final List<LifecycleManager> managers = new ArrayList<>();

  /** A manager on a host of {@code memTotalMib} MiB with a 1 GiB reserve. */
  LifecycleManager manager(long memTotalMib, int maxVms, double overcommit) throws Exception {
    Path meminfo = proc.resolve("meminfo");
    Files.writeString(
        meminfo, "MemTotal:       " + memTotalMib * 1024 + " kB\nMemAvailable:    1024 kB\n");
    Files.writeString(proc.resolve("online"), "0-7\n");
    PortRange range = new PortRange(6100, 6199);
    LifecycleConfig config =
        new LifecycleConfig(
            stateDir,
            maxVms,
            range,
            3,
            Duration.ofSeconds(1),
            "eos-1",
            64L << 20,
            new HostMemoryPolicy("1G", overcommit));
    LifecycleManager m =
        new LifecycleManager(
            config,
            hypervisor,
            LifecycleManagerTest.NO_POLICIES,
            new StateStore(stateDir),
            new PortAllocator(range, p -> true),
            Clock.systemUTC(),
            StepTracer.NONE,
            port -> CompletableFuture.completedFuture(false),
            new ProcHostResources(meminfo, proc.resolve("online")));
    managers.add(m);
    return m;
  }

  @AfterEach
  void close() {
    managers.forEach(LifecycleManager::close);
  }

  long cvmDirs() throws Exception {
    Path cvms = stateDir.resolve("cvms");
    if (!Files.exists(cvms)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(cvms)) {
      return s.count();
    }
  }

  @Test
  void aCreateThatFitsExactlyPassesAndOneMebibyteMoreIsRefusedLeavingNothing() throws Exception {
    // 5 GiB host, 1 GiB reserve: 4096 MiB for guests.
    hypervisor.guestMemory = 2048 * MIB;
    LifecycleManager exact = manager(5120, 10, 1.0);
    exact.createVm(LifecycleManagerTest.request(""));
    exact.createVm(LifecycleManagerTest.request(""));
    assertThat(exact.hostInfo().guestMemoryCommitted()).isEqualTo(4096 * MIB);
    assertThat(exact.hostInfo().cvmsAvailable()).isZero();

    hypervisor.guestMemory = 2049 * MIB;
    hypervisor.started.clear();
    // A second manager on its own host figures (the first one's CVMs are not restored into it).
    LifecycleManager over = manager(5120, 10, 1.0);
    over.createVm(LifecycleManagerTest.request(""));
    long dirs = cvmDirs();
    assertThatThrownBy(() -> over.createVm(LifecycleManagerTest.request("")))
        .hasMessage(
            "not enough memory: 2049 MiB asked, 2047 MiB free of 4096 MiB"
                + " (MemTotal 5120 MiB, reserve 1024 MiB, overcommit 1.0)")
        .extracting(e -> ((ManagerException) e).reason())
        .isEqualTo(ManagerException.Reason.RESOURCE_EXHAUSTED);
    // Nothing of the refused create: no record, no file, no lease, no spawn.
    assertThat(over.listVms()).hasSize(1);
    assertThat(cvmDirs()).isEqualTo(dirs);
    assertThat(hypervisor.started).hasSize(1);
    assertThat(over.slots().taken()).isEqualTo(1);
    assertThat(over.ports().unheld()).isEqualTo(99);
    assertThat(over.hostInfo().guestCidsFree()).isEqualTo((1 << 20) - 1);
    assertThat(over.hostInfo().guestMemoryCommitted()).isEqualTo(2049 * MIB);
  }

  @Test
  void removingACvmGivesItsMemoryBack() throws Exception {
    hypervisor.guestMemory = 4096 * MIB;
    LifecycleManager m = manager(5120, 10, 1.0);
    CreatedCvm first = m.createVm(LifecycleManagerTest.request(""));
    assertThatThrownBy(() -> m.createVm(LifecycleManagerTest.request("")))
        .hasMessageStartingWith("not enough memory: 4096 MiB asked, 0 MiB free of 4096 MiB");
    m.removeVm(first.id());
    assertThat(m.hostInfo().guestMemoryCommitted()).isZero();
    m.createVm(LifecycleManagerTest.request(""));
  }

  @Test
  void anExitedCvmGivesItsMemoryBackAndARestartCountsAdoptedCvmsEvenPastTheLimit()
      throws Exception {
    hypervisor.guestMemory = 1024 * MIB;
    LifecycleManager first = manager(5120, 10, 1.0);
    CreatedCvm a = first.createVm(LifecycleManagerTest.request(""));
    first.createVm(LifecycleManagerTest.request(""));
    CreatedCvm exiting = first.createVm(LifecycleManagerTest.request(""));
    hypervisor.vmOf(exiting.id()).crash(3);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> first.hostInfo().guestMemoryCommitted() == 2048 * MIB);
    first.close();

    // The host shrank (or the reserve grew): 1024 MiB for guests, two adopted CVMs of 1024 MiB.
    LifecycleManager second = manager(2048, 10, 1.0);
    second.restore();
    HostInfo info = second.hostInfo();
    assertThat(info.guestMemoryCommitted()).isEqualTo(2048 * MIB);
    assertThat(info.guestMemoryLimit()).isEqualTo(1024 * MIB);
    assertThat(info.cvmsAvailable()).isZero();
    assertThatThrownBy(() -> second.createVm(LifecycleManagerTest.request("")))
        .hasMessageStartingWith("not enough memory: 1024 MiB asked, 0 MiB free of 1024 MiB");
    second.removeVm(a.id());
    assertThat(second.hostInfo().guestMemoryCommitted()).isEqualTo(1024 * MIB);
    assertThatThrownBy(() -> second.createVm(LifecycleManagerTest.request("")))
        .hasMessageStartingWith("not enough memory");
  }

  @Test
  void anAdoptedCvmCountsTheMemoryItWasCreatedWithNotTodaysSetting() throws Exception {
    hypervisor.guestMemory = 1024 * MIB;
    LifecycleManager first = manager(8192, 10, 1.0);
    CreatedCvm recorded = first.createVm(LifecycleManagerTest.request(""));
    CreatedCvm legacy = first.createVm(LifecycleManagerTest.request(""));
    first.close();
    // A record written before guest_memory was persisted: counted at the size configured now.
    Path legacyState = stateDir.resolve("cvms").resolve(legacy.id()).resolve("state.json");
    String written = Files.readString(legacyState);
    assertThat(written).contains("\"guest_memory\":1073741824");
    Files.writeString(legacyState, written.replace(",\"guest_memory\":1073741824", ""));

    hypervisor.guestMemory = 3072 * MIB;
    LifecycleManager second = manager(8192, 10, 1.0);
    second.restore();
    assertThat(second.hostInfo().guestMemoryCommitted()).isEqualTo((1024 + 3072) * MIB);
    second.removeVm(recorded.id());
    assertThat(second.hostInfo().guestMemoryCommitted()).isEqualTo(3072 * MIB);
    second.removeVm(legacy.id());
    assertThat(second.hostInfo().guestMemoryCommitted()).isZero();
  }

  @Test
  void overcommitMultipliesWhatIsLeftAfterTheReserve() throws Exception {
    hypervisor.guestMemory = 2048 * MIB;
    LifecycleManager m = manager(3072, 10, 2.0); // (3072 - 1024) * 2 = 4096 MiB
    m.createVm(LifecycleManagerTest.request(""));
    m.createVm(LifecycleManagerTest.request(""));
    assertThatThrownBy(() -> m.createVm(LifecycleManagerTest.request("")))
        .hasMessageEndingWith("(MemTotal 3072 MiB, reserve 1024 MiB, overcommit 2.0)");
  }

  @Test
  void slotsAreStillCheckedFirstWithTheirOwnMessage() throws Exception {
    hypervisor.guestMemory = 4096 * MIB;
    LifecycleManager m = manager(5120, 1, 1.0);
    m.createVm(LifecycleManagerTest.request(""));
    assertThatThrownBy(() -> m.createVm(LifecycleManagerTest.request("")))
        .hasMessageContaining("MANAGER_MAX_VMS reached");
  }

  @Test
  void concurrentCreatesCannotOvershootTheLimit() throws Exception {
    hypervisor.guestMemory = 1024 * MIB;
    LifecycleManager m = manager(5120, 100, 1.0); // room for exactly 4
    int threads = 16;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<CreatedCvm>> results = new ArrayList<>();
    try {
      for (int i = 0; i < threads; i++) {
        Callable<CreatedCvm> create =
            () -> {
              go.await();
              return m.createVm(LifecycleManagerTest.request(""));
            };
        results.add(pool.submit(create));
      }
      go.countDown();
      int created = 0;
      int refused = 0;
      for (Future<CreatedCvm> f : results) {
        try {
          f.get();
          created++;
        } catch (ExecutionException e) {
          assertThat(e.getCause())
              .isInstanceOf(ManagerException.class)
              .hasMessageStartingWith("not enough memory: 1024 MiB asked, 0 MiB free of 4096 MiB");
          refused++;
        }
      }
      assertThat(created).isEqualTo(4);
      assertThat(refused).isEqualTo(threads - 4);
    } finally {
      pool.shutdownNow();
    }
    assertThat(m.listVms()).hasSize(4);
    assertThat(cvmDirs()).isEqualTo(4);
    assertThat(m.slots().taken()).isEqualTo(4);
    HostInfo info = m.hostInfo();
    assertThat(info.guestMemoryCommitted()).isEqualTo(4096 * MIB);
    assertThat(info.guestMemoryLimit()).isEqualTo(4096 * MIB);
  }

  @Test
  void hostInfoReportsCapacityAndUse() throws Exception {
    hypervisor.guestMemory = 1024 * MIB;
    LifecycleManager m = manager(5120, 10, 1.0);
    m.createVm(LifecycleManagerTest.request(""));
    HostInfo info = m.hostInfo();
    assertThat(info.memoryTotal()).isEqualTo(5120 * MIB);
    assertThat(info.memoryAvailable()).isEqualTo(MIB);
    assertThat(info.memoryReserve()).isEqualTo(1024 * MIB);
    assertThat(info.memoryOvercommit()).isEqualTo(1.0);
    assertThat(info.guestMemoryLimit()).isEqualTo(4096 * MIB);
    assertThat(info.guestMemoryCommitted()).isEqualTo(1024 * MIB);
    assertThat(info.guestMemoryPerCvm()).isEqualTo(1024 * MIB);
    assertThat(info.cpusOnline()).isEqualTo(8);
    assertThat(info.vcpusPerCvm()).isEqualTo(hypervisor.guest().cpuCount());
    assertThat(info.vcpusCommitted()).isEqualTo(hypervisor.guest().cpuCount());
    assertThat(info.maxVms()).isEqualTo(10);
    assertThat(info.cvmsHoldingSlots()).isEqualTo(1);
    assertThat(info.hostPortsTotal()).isEqualTo(100);
    assertThat(info.hostPortsFree()).isEqualTo(99);
    assertThat(info.cvmsAvailable()).isEqualTo(3); // memory is the tightest: 3 GiB left
    assertThat(info.gpus()).isEmpty();
    assertThat(info.hypervisorVersion()).isEqualTo("fake 1.0");
    assertThat(info.jdkVersion()).isEqualTo(Runtime.version().toString());
    assertThat(info.features()).contains("tee:none", "aa-kbs-params", "memory-admission");
  }

  @Test
  void anUnknownHostMemoryRefusesNothing() throws Exception {
    // MemTotal 0: as on a system without /proc/meminfo
    hypervisor.guestMemory = 1L << 40;
    LifecycleManager m = manager(0, 10, 1.0);
    m.createVm(LifecycleManagerTest.request(""));
    assertThat(m.hostInfo().memoryTotal()).isZero();
    assertThat(m.hostInfo().features()).doesNotContain("memory-admission");
  }
}
