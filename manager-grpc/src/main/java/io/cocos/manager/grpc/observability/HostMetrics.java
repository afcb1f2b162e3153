package io.cocos.manager.grpc.observability;

import io.cocos.manager.core.cvm.HostInfo;
import io.cocos.manager.core.cvm.ManagerService;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableDoubleMeasurement;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;

/**
 * HostInfo's figures as gauges, read at scrape time from one {@link ManagerService#hostInfo} per
 * scrape (a batch callback): the host's memory and CPUs, the guest memory committed against the
 * admission limit, the CVM slots, CIDs and GPUs, and how many more CVMs fit.
 */
public final class HostMetrics {
  private static final AttributeKey<String> TEE = AttributeKey.stringKey("tee");
  private static final AttributeKey<String> QEMU = AttributeKey.stringKey("qemu_version");
  private static final AttributeKey<String> JDK = AttributeKey.stringKey("jdk_version");

  private HostMetrics() {}

  /** Registers the instruments; they live as long as the meter. */
  public static void register(Meter meter, ManagerService service) {
    ObservableLongMeasurement memoryTotal =
        bytes(meter, "manager.host.memory.capacity", "MemTotal");
    ObservableLongMeasurement memoryAvailable =
        bytes(meter, "manager.host.memory.available", "MemAvailable, the kernel's estimate");
    ObservableLongMeasurement guestLimit =
        bytes(
            meter,
            "manager.guest_memory.limit",
            "guest memory CreateVm may commit: (MemTotal - reserve) * overcommit");
    ObservableLongMeasurement guestCommitted =
        bytes(meter, "manager.guest_memory.committed", "guest memory of the CVMs holding a lease");
    ObservableLongMeasurement cpus = count(meter, "manager.host.cpus", "CPUs online on the host");
    ObservableLongMeasurement vcpus =
        count(meter, "manager.vcpus.committed", "vCPUs of the CVMs holding a lease");
    ObservableLongMeasurement slotsCapacity =
        count(meter, "manager.cvm_slots.capacity", "MANAGER_MAX_VMS");
    ObservableLongMeasurement slotsUsed =
        count(meter, "manager.cvm_slots.used", "CVMs holding a MANAGER_MAX_VMS slot");
    ObservableLongMeasurement cidsFree =
        count(meter, "manager.guest_cids.free", "vsock guest CIDs not held by a CVM");
    ObservableLongMeasurement gpusCapacity =
        count(meter, "manager.gpus.capacity", "GPUs passed through to CVMs");
    ObservableLongMeasurement gpusFree =
        count(meter, "manager.gpus.free", "passed-through GPUs no CVM holds");
    ObservableLongMeasurement available =
        count(
            meter,
            "manager.cvms.available",
            "CVMs CreateVm would still accept: the tightest of slots, memory, ports, CIDs and GPUs");
    ObservableDoubleMeasurement hostInfo =
        meter
            .gaugeBuilder("manager.host.versions")
            .setDescription("1, labelled with the TEE and the QEMU and JDK versions")
            .buildObserver();
    meter.batchCallback(
        () -> {
          HostInfo info = service.hostInfo();
          memoryTotal.record(info.memoryTotal());
          memoryAvailable.record(info.memoryAvailable());
          guestLimit.record(info.guestMemoryLimit());
          guestCommitted.record(info.guestMemoryCommitted());
          cpus.record(info.cpusOnline());
          vcpus.record(info.vcpusCommitted());
          slotsCapacity.record(info.maxVms());
          slotsUsed.record(info.cvmsHoldingSlots());
          cidsFree.record(info.guestCidsFree());
          gpusCapacity.record(info.gpus().size());
          gpusFree.record(info.gpus().stream().filter(g -> g.holder().isEmpty()).count());
          available.record(info.cvmsAvailable());
          hostInfo.record(
              1,
              Attributes.of(
                  TEE,
                  info.tee().wireName(),
                  QEMU,
                  info.hypervisorVersion(),
                  JDK,
                  info.jdkVersion()));
        },
        memoryTotal,
        memoryAvailable,
        guestLimit,
        guestCommitted,
        cpus,
        vcpus,
        slotsCapacity,
        slotsUsed,
        cidsFree,
        gpusCapacity,
        gpusFree,
        available,
        hostInfo);
  }

  private static ObservableLongMeasurement bytes(Meter meter, String name, String description) {
    return meter
        .gaugeBuilder(name)
        .ofLongs()
        .setUnit("By")
        .setDescription(description + ", in bytes")
        .buildObserver();
  }

  private static ObservableLongMeasurement count(Meter meter, String name, String description) {
    return meter.gaugeBuilder(name).ofLongs().setDescription(description).buildObserver();
  }
}
