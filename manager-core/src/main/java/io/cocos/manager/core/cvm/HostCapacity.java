package io.cocos.manager.core.cvm;

import io.cocos.manager.core.alloc.ExclusiveDevice;
import io.cocos.manager.core.alloc.GuestMemory;
import io.cocos.manager.core.alloc.MemoryAdmission;
import io.cocos.manager.core.config.HostMemoryPolicy;
import io.cocos.manager.core.host.HostResources;
import io.cocos.manager.core.vm.Hypervisor;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The host's capacity and what the CVMs hold of it ({@link HostInfo}), read from the lease pools
 * and the host at each call. Each figure is read under its own pool's lock, so a report taken while
 * CVMs come and go is a close, not an atomic, picture.
 */
final class HostCapacity {
  private static final long MIB = 1L << 20;

  private final Hypervisor hypervisor;
  private final HostResources host;
  private final CvmLease.Resources resources;
  private final Optional<ExclusiveDevice> device;

  HostCapacity(
      Hypervisor hypervisor,
      HostResources host,
      CvmLease.Resources resources,
      Optional<ExclusiveDevice> device) {
    this.hypervisor = hypervisor;
    this.host = host;
    this.resources = resources;
    this.device = device;
  }

  /** The admission of this host, its MemTotal read once (at start-up). */
  static MemoryAdmission admission(
      HostMemoryPolicy policy, HostResources host, Hypervisor hypervisor) {
    return MemoryAdmission.of(policy, host.memoryTotal(), hypervisor.guestMemory());
  }

  HostInfo info() {
    MemoryAdmission admission = resources.memory();
    GuestMemory memory = admission.memory();
    long perCvm = admission.perCvm();
    int vcpusPerCvm = hypervisor.guest().cpuCount();
    int holding = resources.slots().taken();
    int portsFree = resources.ports().unheld();
    int cidsFree = resources.cids().free();
    List<HostInfo.Gpu> gpus =
        device
            .map(d -> List.of(new HostInfo.Gpu(d.name(), d.holder().orElse(""))))
            .orElse(List.of());
    long available = Math.max(0, resources.slots().limit() - holding);
    available = Math.min(available, portsFree);
    available = Math.min(available, cidsFree);
    if (perCvm > 0) {
      available = Math.min(available, memory.free() / perCvm);
    }
    if (device.isPresent() && device.get().holder().isPresent()) {
      available = 0;
    }
    return new HostInfo(
        admission.hostTotal(),
        host.memoryAvailable(),
        admission.reserve(),
        admission.overcommit(),
        memory.limit(),
        memory.committed(),
        perCvm,
        host.cpusOnline(),
        vcpusPerCvm,
        holding * vcpusPerCvm,
        resources.slots().limit(),
        holding,
        resources.ports().range().size(),
        portsFree,
        cidsFree,
        gpus,
        hypervisor.tee(),
        (int) available,
        hypervisor.version(),
        Runtime.version().toString(),
        features());
  }

  /** The features a controller can match a CVM's needs against. */
  private List<String> features() {
    List<String> features = new ArrayList<>();
    features.add("tee:" + hypervisor.tee().wireName());
    if (device.isPresent()) {
      features.add("gpu-passthrough");
    }
    if (hypervisor.passesKernelParameters()) {
      features.add("aa-kbs-params");
    }
    if (resources.memory().hostTotal() > 0) {
      features.add("memory-admission");
    }
    return features;
  }

  /** One line for the start-up log: what CreateVm may commit. */
  String describe() {
    MemoryAdmission a = resources.memory();
    if (a.hostTotal() <= 0) {
      return "host memory unknown (no MemTotal in /proc/meminfo): guest memory is not limited";
    }
    return "guest memory limit "
        + a.memory().limit() / MIB
        + " MiB (MemTotal "
        + a.hostTotal() / MIB
        + " MiB, reserve "
        + a.reserve() / MIB
        + " MiB, overcommit "
        + a.overcommit()
        + "), "
        + a.perCvm() / MIB
        + " MiB per CVM";
  }
}
