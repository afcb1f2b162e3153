package io.cocos.manager.grpc;

import static io.cocos.manager.grpc.ObservabilityTest.scrape;
import static io.cocos.manager.grpc.ObservabilityTest.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.cocos.manager.api.CreateReq;
import io.cocos.manager.api.CreateRes;
import io.cocos.manager.api.HostInfoReq;
import io.cocos.manager.api.HostInfoRes;
import io.cocos.manager.api.ManagerServiceGrpc;
import io.cocos.manager.api.RemoveReq;
import io.cocos.manager.core.config.Env;
import io.cocos.manager.core.host.ProcHostResources;
import io.cocos.manager.core.testing.ManagerEnvironments;
import io.cocos.manager.grpc.observability.BuildInfo;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HostInfo, its metrics and CreateVm's memory admission over a real gRPC socket, against a manager
 * with the fake QEMU on this host's real /proc/meminfo.
 */
class HostInfoApiTest {
  static final long MIB = 1L << 20;

  @TempDir Path tmp;
  final List<AutoCloseable> toClose = new ArrayList<>();
  ManagerDaemon daemon;
  ManagerServiceGrpc.ManagerServiceBlockingStub stub;

  @AfterEach
  void closeAll() throws Exception {
    ObservabilityTest.removeCvmsThenClose(daemon, toClose);
  }

  void start(Map<String, String> env) throws Exception {
    daemon = ManagerDaemon.start(new Env(env));
    toClose.add(daemon);
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", daemon.grpcPort()).usePlaintext().build();
    toClose.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    stub = ManagerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** A manager allowing three CVMs of 512 MiB and 2 vCPUs each. */
  void startWithThreeSlotsOf512M() throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    env.put("MANAGER_QEMU_MEMORY_SIZE", "512M");
    env.put("MANAGER_QEMU_SMP_COUNT", "2");
    env.put("MANAGER_MAX_VMS", "3");
    start(env);
  }

  @Test
  void hostInfoReportsCapacityUseVersionsAndFeatures() throws Exception {
    startWithThreeSlotsOf512M();
    long memTotal = ProcHostResources.system().memoryTotal();

    HostInfoRes idle = stub.hostInfo(HostInfoReq.getDefaultInstance());
    assertThat(idle.getMemoryTotalBytes()).isEqualTo(memTotal);
    assertThat(idle.getMemoryAvailableBytes()).isPositive();
    assertThat(idle.getMemoryReserveBytes()).isEqualTo(1024 * MIB);
    assertThat(idle.getMemoryOvercommit()).isEqualTo(1.0);
    assertThat(idle.getGuestMemoryLimitBytes()).isEqualTo(memTotal - 1024 * MIB);
    assertThat(idle.getGuestMemoryCommittedBytes()).isZero();
    assertThat(idle.getGuestMemoryPerCvmBytes()).isEqualTo(512 * MIB);
    assertThat(idle.getCpusOnline())
        .isGreaterThanOrEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(idle.getVcpusPerCvm()).isEqualTo(2);
    assertThat(idle.getMaxVms()).isEqualTo(3);
    assertThat(idle.getHostPortsTotal()).isEqualTo(20);
    assertThat(idle.getHostPortsFree()).isEqualTo(20);
    assertThat(idle.getGuestCidsFree()).isPositive();
    assertThat(idle.getGpusList()).isEmpty();
    assertThat(idle.getTee()).isEqualTo("none");
    assertThat(idle.getCvmsAvailable()).isEqualTo(3);
    assertThat(idle.getManagerVersion()).isEqualTo(BuildInfo.current().version());
    assertThat(idle.getQemuVersion()).isEqualTo("QEMU emulator version 7.2.0 (fake-qemu)");
    assertThat(idle.getJdkVersion()).isEqualTo(Runtime.version().toString());
    assertThat(idle.getFeaturesList()).contains("tee:none", "aa-kbs-params", "memory-admission");

    CreateRes created = stub.createVm(CreateReq.getDefaultInstance());
    HostInfoRes busy = stub.hostInfo(HostInfoReq.getDefaultInstance());
    assertThat(busy.getGuestMemoryCommittedBytes()).isEqualTo(512 * MIB);
    assertThat(busy.getVcpusCommitted()).isEqualTo(2);
    assertThat(busy.getCvmsHoldingSlots()).isEqualTo(1);
    assertThat(busy.getHostPortsFree()).isEqualTo(19);
    assertThat(busy.getGuestCidsFree()).isEqualTo(idle.getGuestCidsFree() - 1);
    assertThat(busy.getCvmsAvailable()).isEqualTo(2);

    stub.removeVm(RemoveReq.newBuilder().setCvmId(created.getCvmId()).build());
    assertThat(stub.hostInfo(HostInfoReq.getDefaultInstance()).getGuestMemoryCommittedBytes())
        .isZero();
  }

  @Test
  void theSameFiguresAreMetrics() throws Exception {
    startWithThreeSlotsOf512M();
    stub.createVm(CreateReq.getDefaultInstance());
    HostInfoRes info = stub.hostInfo(HostInfoReq.getDefaultInstance());
    String m = scrape(daemon.httpPort());
    assertThat(value(m, "manager_host_memory_capacity_bytes", ""))
        .isEqualTo((double) info.getMemoryTotalBytes());
    assertThat(value(m, "manager_host_memory_available_bytes", "")).isPositive();
    assertThat(value(m, "manager_guest_memory_limit_bytes", ""))
        .isEqualTo((double) info.getGuestMemoryLimitBytes());
    assertThat(value(m, "manager_guest_memory_committed_bytes", "")).isEqualTo(512.0 * MIB);
    assertThat(value(m, "manager_host_cpus", "")).isEqualTo(info.getCpusOnline());
    assertThat(value(m, "manager_vcpus_committed", "")).isEqualTo(2);
    assertThat(value(m, "manager_cvm_slots_capacity", "")).isEqualTo(3);
    assertThat(value(m, "manager_cvm_slots_used", "")).isEqualTo(1);
    assertThat(value(m, "manager_guest_cids_free", "")).isEqualTo(info.getGuestCidsFree());
    assertThat(value(m, "manager_gpus_capacity", "")).isZero();
    assertThat(value(m, "manager_gpus_free", "")).isZero();
    assertThat(value(m, "manager_cvms_available", "")).isEqualTo(2);
    assertThat(
            value(
                m,
                "manager_host_versions",
                "tee=\"none\"",
                "qemu_version=\"QEMU emulator version 7.2.0 (fake-qemu)\""))
        .isEqualTo(1);
  }

  @Test
  void createVmPastTheHostsMemoryIsRefusedNamingWhatIsShortAndLeavesNothing() throws Exception {
    // Half of this host's memory for guests, two CVMs of a quarter each: the third is refused.
    long memTotal = ProcHostResources.system().memoryTotal();
    long limit = memTotal - (long) (memTotal * 0.5);
    long perCvmMib = limit / 2 / MIB;
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    env.put("MANAGER_HOST_MEMORY_RESERVE", "50%");
    env.put("MANAGER_QEMU_MEMORY_SIZE", perCvmMib + "M");
    env.put("MANAGER_QEMU_MAX_MEMORY", perCvmMib + "M");
    start(env);

    stub.createVm(CreateReq.getDefaultInstance());
    stub.createVm(CreateReq.getDefaultInstance());
    long free = (limit - 2 * perCvmMib * MIB) / MIB;
    StatusRuntimeException e = null;
    try {
      stub.createVm(CreateReq.getDefaultInstance());
    } catch (StatusRuntimeException refused) {
      e = refused;
    }
    assertThat(e).isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(e.getStatus().getDescription())
        .isEqualTo(
            "not enough memory: "
                + perCvmMib
                + " MiB asked, "
                + free
                + " MiB free of "
                + limit / MIB
                + " MiB (MemTotal "
                + memTotal / MIB
                + " MiB, reserve "
                + (memTotal - limit) / MIB
                + " MiB, overcommit 1.0)");
    assertThat(daemon.lifecycle().listVms()).hasSize(2);
    try (var dirs = Files.list(tmp.resolve("state/cvms"))) {
      assertThat(dirs.count()).isEqualTo(2);
    }
    HostInfoRes info = stub.hostInfo(HostInfoReq.getDefaultInstance());
    assertThat(info.getCvmsHoldingSlots()).isEqualTo(2);
    assertThat(info.getHostPortsFree()).isEqualTo(18);
    assertThat(info.getCvmsAvailable()).isZero();
  }
}
