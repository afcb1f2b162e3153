package io.cocos.manager.grpc.server;

import io.cocos.manager.api.HostGpu;
import io.cocos.manager.api.HostInfoRes;
import io.cocos.manager.core.cvm.HostInfo;
import io.cocos.manager.grpc.observability.BuildInfo;

/** {@link HostInfo} as the API's HostInfoRes (HostInfo over gRPC, and the CMS link's hello). */
public final class HostInfoMessages {
  /** The manager's version, as /health reports it. */
  private static final String MANAGER_VERSION = BuildInfo.current().version();

  private HostInfoMessages() {}

  public static HostInfoRes toProto(HostInfo info) {
    HostInfoRes.Builder res =
        HostInfoRes.newBuilder()
            .setMemoryTotalBytes(info.memoryTotal())
            .setMemoryAvailableBytes(info.memoryAvailable())
            .setMemoryReserveBytes(info.memoryReserve())
            .setMemoryOvercommit(info.memoryOvercommit())
            .setGuestMemoryLimitBytes(info.guestMemoryLimit())
            .setGuestMemoryCommittedBytes(info.guestMemoryCommitted())
            .setGuestMemoryPerCvmBytes(info.guestMemoryPerCvm())
            .setCpusOnline(info.cpusOnline())
            .setVcpusPerCvm(info.vcpusPerCvm())
            .setVcpusCommitted(info.vcpusCommitted())
            .setMaxVms(info.maxVms())
            .setCvmsHoldingSlots(info.cvmsHoldingSlots())
            .setHostPortsTotal(info.hostPortsTotal())
            .setHostPortsFree(info.hostPortsFree())
            .setGuestCidsFree(info.guestCidsFree())
            .setTee(info.tee().wireName())
            .setCvmsAvailable(info.cvmsAvailable())
            .setManagerVersion(MANAGER_VERSION)
            .setQemuVersion(info.hypervisorVersion())
            .setJdkVersion(info.jdkVersion())
            .addAllFeatures(info.features());
    for (HostInfo.Gpu gpu : info.gpus()) {
      res.addGpus(HostGpu.newBuilder().setName(gpu.name()).setCvmId(gpu.holder()));
    }
    return res.build();
  }
}
