package io.cocos.manager.core.event;

import java.util.Locale;

/**
 * The kinds of lifecycle events. The GUEST_ ones are what the guest did, as its hypervisor saw it
 * (QEMU's QMP events); they change no {@link io.cocos.manager.core.cvm.CvmState}.
 */
public enum CvmEventType {
  CREATED,
  RUNNING,
  STOPPING,
  REMOVED,
  EXITED,
  FAILED,
  TTL_EXPIRED,
  RESTORED,
  /** The guest shut down; detail: the reason (guest-shutdown, host-qmp-quit, host-signal, ...). */
  GUEST_SHUTDOWN,
  /** The guest reset; detail: the reason. */
  GUEST_RESET,
  /** The guest's CPUs stopped (paused, or an internal or I/O error: see the guest status). */
  GUEST_STOPPED,
  /** The guest's CPUs run again. */
  GUEST_RESUMED,
  /** The guest kernel panicked; detail: what the hypervisor did about it. */
  GUEST_PANICKED,
  /**
   * The agent answered on the forwarded port for the first time; detail: seconds since CreateVm.
   */
  AGENT_READY;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
