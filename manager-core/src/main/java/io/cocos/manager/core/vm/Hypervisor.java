package io.cocos.manager.core.vm;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Launches and re-attaches to VMs. The domain knows nothing of QEMU: QEMU is one implementation.
 * Implementations must be safe to call from several threads at once.
 */
public interface Hypervisor {
  /** The TEE every VM of this hypervisor is launched in. */
  TeeKind tee();

  /** What the VMs boot with, as reported by CVMInfo. */
  GuestDescription guest();

  /**
   * Spawns a VM and returns at once, its pid and start time known, so that the caller can persist
   * them before waiting for anything. Throws when the VM could not even be spawned (nothing is then
   * left running). Where the VM keeps its pid file and what it is named (the CVM id, inside {@code
   * spec.workDir()}) is what {@link #findVms} recognises it by.
   */
  VmProcess spawn(VmLaunchSpec spec) throws VmStartException;

  /**
   * Waits until a VM {@link #spawn}ed is known to run, or throws with the hypervisor's own error
   * output when it died (bad option, port taken). When this throws, the VM has been stopped and
   * reaped; when interrupted, it is killed first.
   */
  void awaitReady(VmLaunchSpec spec, VmProcess process)
      throws VmStartException, InterruptedException;

  /**
   * Re-attaches to a VM an earlier manager started: present only if a process with that pid is
   * alive, started at {@code processStart}, and really is this CVM's VM (a pid can be reused).
   */
  Optional<VmProcess> adopt(VmLaunchSpec spec, long pid, Instant processStart);

  /**
   * Every running VM whose own command line places its work directory under {@code cvmsDir},
   * whatever the records say: how a restart finds the VMs of records that are missing, incomplete
   * or unreadable. A VM started through a wrapper (sudo) is reported once. The processes are
   * handles to stop: a hypervisor may leave their exit unwatched until they are signalled (the QEMU
   * one does; a found VM is usually adopted through {@link #adopt} as well).
   */
  List<FoundVm> findVms(Path cvmsDir);

  /**
   * A host device every VM of this hypervisor is given and that only one VM can hold at a time (a
   * passed-through GPU), by name; empty when there is none.
   */
  default Optional<String> exclusiveDevice() {
    return Optional.empty();
  }

  /**
   * Whether the manager hands the guest its kernel command line (kernel boot), so per-CVM kernel
   * parameters can reach it; false when the guest boots from a disk image with its own.
   */
  default boolean passesKernelParameters() {
    return true;
  }

  /**
   * How the VM of {@code spec} ended, when it ended while no manager watched it and left its status
   * behind (in its work directory, for QEMU); empty when it left none. Call only once {@link
   * #adopt} found no running VM.
   */
  default Optional<ExitStatus> endedStatus(VmLaunchSpec spec) {
    return Optional.empty();
  }

  /** Bytes of guest memory every VM of this hypervisor is launched with; 0 when not known. */
  default long guestMemory() {
    return 0;
  }

  /**
   * The hypervisor's own version, as it reports it ("QEMU emulator version 8.2.2"); empty when it
   * cannot say. May run the hypervisor once (bounded); callers should not call it on a hot path.
   */
  default String version() {
    return "";
  }

  /** Removes whatever per-CVM files the hypervisor created outside {@code spec.workDir()}. */
  default void release(VmLaunchSpec spec) {}
}
