package io.cocos.manager.core.cvm;

import io.cocos.manager.core.vm.TeeKind;
import java.util.List;

/**
 * What the host can hold and what its CVMs hold of it, for a controller that places CVMs on many
 * hosts. Memory in bytes; "committed" counts the CVMs that hold a lease (running or starting).
 *
 * @param memoryTotal the host's MemTotal; 0 when unknown (then no memory is refused)
 * @param memoryAvailable the host's MemAvailable, as the kernel estimates it; 0 when unknown
 * @param memoryReserve MANAGER_HOST_MEMORY_RESERVE in bytes on this host
 * @param memoryOvercommit MANAGER_HOST_MEMORY_OVERCOMMIT
 * @param guestMemoryLimit guest memory CreateVm may commit in all: (MemTotal - reserve) *
 *     overcommit ({@link Long#MAX_VALUE} when MemTotal is unknown)
 * @param guestMemoryCommitted guest memory of the CVMs holding a lease
 * @param guestMemoryPerCvm guest memory each CVM is launched with
 * @param cpusOnline the host's online CPUs; 0 when unknown
 * @param vcpusPerCvm vCPUs each CVM is launched with
 * @param vcpusCommitted vCPUs of the CVMs holding a lease (vCPUs are not admitted against the host)
 * @param maxVms MANAGER_MAX_VMS
 * @param cvmsHoldingSlots CVMs holding a slot (may pass MANAGER_MAX_VMS after a restore)
 * @param hostPortsTotal ports in MANAGER_QEMU_HOST_FWD_RANGE
 * @param hostPortsFree of those, not held by a CVM
 * @param guestCidsFree vsock guest CIDs not held
 * @param gpus the passed-through GPUs and who holds each
 * @param tee the TEE CVMs are launched in
 * @param cvmsAvailable how many more CVMs CreateVm would accept now: the tightest of slots, memory,
 *     ports, CIDs and GPUs
 * @param hypervisorVersion the hypervisor's own words ("QEMU emulator version 8.2.2"), empty if
 *     unknown
 * @param jdkVersion the Java runtime's version
 * @param features what this manager can do for a CVM, as words a controller can match on
 */
public record HostInfo(
    long memoryTotal,
    long memoryAvailable,
    long memoryReserve,
    double memoryOvercommit,
    long guestMemoryLimit,
    long guestMemoryCommitted,
    long guestMemoryPerCvm,
    int cpusOnline,
    int vcpusPerCvm,
    int vcpusCommitted,
    int maxVms,
    int cvmsHoldingSlots,
    int hostPortsTotal,
    int hostPortsFree,
    int guestCidsFree,
    List<Gpu> gpus,
    TeeKind tee,
    int cvmsAvailable,
    String hypervisorVersion,
    String jdkVersion,
    List<String> features) {
  public HostInfo {
    gpus = List.copyOf(gpus);
    features = List.copyOf(features);
  }

  /** A device only one CVM can hold (a passed-through GPU); {@code holder} empty when free. */
  public record Gpu(String name, String holder) {}
}
