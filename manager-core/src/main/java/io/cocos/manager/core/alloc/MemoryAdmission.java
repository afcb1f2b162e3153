package io.cocos.manager.core.alloc;

import io.cocos.manager.core.config.HostMemoryPolicy;

/**
 * What CreateVm's memory admission decides with: the guest memory committed against the host's
 * limit, what each CVM is launched with, and the figures the refusal names.
 *
 * @param memory the committed guest memory and its limit
 * @param perCvm bytes of guest memory each CVM is launched with (0: not counted)
 * @param hostTotal the host's MemTotal in bytes, 0 when unknown (then nothing is refused)
 * @param reserve bytes kept for the host
 * @param overcommit MANAGER_HOST_MEMORY_OVERCOMMIT
 */
public record MemoryAdmission(
    GuestMemory memory, long perCvm, long hostTotal, long reserve, double overcommit) {
  private static final long MIB = 1L << 20;

  /** The admission of a host of {@code hostTotal} bytes (0: unknown) under {@code policy}. */
  public static MemoryAdmission of(HostMemoryPolicy policy, long hostTotal, long perCvm) {
    long limit = hostTotal <= 0 ? Long.MAX_VALUE : policy.guestLimit(hostTotal);
    return new MemoryAdmission(
        new GuestMemory(limit),
        perCvm,
        Math.max(0, hostTotal),
        hostTotal <= 0 ? 0 : policy.reserveBytes(hostTotal),
        policy.overcommit());
  }

  /** No limit, nothing counted. */
  public static MemoryAdmission unlimited() {
    return new MemoryAdmission(new GuestMemory(Long.MAX_VALUE), 0, 0, 0, 1.0);
  }

  /** Commits one CVM's guest memory if it fits. */
  public boolean tryTake() {
    return memory.tryTake(perCvm);
  }

  /** Why a CVM does not fit, with the figures: asked, free, the limit, reserve and overcommit. */
  public String shortage() {
    return "not enough memory: "
        + perCvm / MIB
        + " MiB asked, "
        + memory.free() / MIB
        + " MiB free of "
        + memory.limit() / MIB
        + " MiB (MemTotal "
        + hostTotal / MIB
        + " MiB, reserve "
        + reserve / MIB
        + " MiB, overcommit "
        + overcommit
        + ")";
  }
}
