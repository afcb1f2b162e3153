package io.cocos.manager.core.vm;

import java.time.Instant;

/**
 * Something the guest did, as its hypervisor reports it.
 *
 * @param detail the hypervisor's own reason or data, e.g. "guest-shutdown" for a guest that powered
 *     itself off, "host-qmp-quit" for a VM told to quit; may be empty
 * @param time when the hypervisor says it happened
 */
public record GuestEvent(Kind kind, String detail, Instant time) {
  public enum Kind {
    /** The guest shut down (or was shut down): the VM ends next. */
    SHUTDOWN,
    /** The guest reset (rebooted). */
    RESET,
    /** The guest's CPUs were stopped (paused, or an internal or I/O error). */
    STOPPED,
    /** The guest's CPUs run again. */
    RESUMED,
    /** The guest kernel panicked. */
    PANICKED
  }
}
