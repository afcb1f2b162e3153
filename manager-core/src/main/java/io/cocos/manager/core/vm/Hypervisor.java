package io.cocos.manager.core.vm;

import java.time.Instant;
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
   * Starts a VM and returns once it is known to be running, or throws with the hypervisor's own
   * error output when it died at once (bad option, port taken). Nothing is left running on failure.
   */
  VmProcess start(VmLaunchSpec spec) throws VmStartException, InterruptedException;

  /**
   * Re-attaches to a VM an earlier manager started: present only if a process with that pid is
   * alive, started at {@code processStart}, and really is this CVM's VM (a pid can be reused).
   */
  Optional<VmProcess> adopt(VmLaunchSpec spec, long pid, Instant processStart);

  /** Removes whatever per-CVM files the hypervisor created outside {@code spec.workDir()}. */
  default void release(VmLaunchSpec spec) {}
}
