package io.cocos.manager.core.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The settings the CVM lifecycle itself needs (the hypervisor, server and attestation settings live
 * with their modules).
 *
 * @param stateDir where each CVM's directory (persisted state, console log, shares) lives
 * @param maxVms CVMs allowed to hold resources at once
 * @param hostPorts host ports handed to CVMs for the agent's forwarded port
 * @param firstGuestCid first vsock CID handed out; each CVM gets a distinct one
 * @param stopTimeout SIGTERM → SIGKILL grace when a CVM is removed
 * @param eosVersion reported by CVMInfo
 * @param consoleLogMaxSize bytes a CVM's console.log may grow to before it is rotated (one rotated
 *     copy is kept)
 * @param hostMemory how much of the host's memory CreateVm may commit to guests (admission)
 */
public record LifecycleConfig(
    Path stateDir,
    int maxVms,
    PortRange hostPorts,
    int firstGuestCid,
    Duration stopTimeout,
    String eosVersion,
    long consoleLogMaxSize,
    HostMemoryPolicy hostMemory) {
  /** Smaller than this, a rotation would come every few console lines. */
  static final long MIN_CONSOLE_LOG_SIZE = 1L << 20;

  /** With the default memory admission ({@link HostMemoryPolicy#DEFAULT}). */
  public LifecycleConfig(
      Path stateDir,
      int maxVms,
      PortRange hostPorts,
      int firstGuestCid,
      Duration stopTimeout,
      String eosVersion,
      long consoleLogMaxSize) {
    this(
        stateDir,
        maxVms,
        hostPorts,
        firstGuestCid,
        stopTimeout,
        eosVersion,
        consoleLogMaxSize,
        HostMemoryPolicy.DEFAULT);
  }

  public static LifecycleConfig fromEnv(Env env) {
    return new LifecycleConfig(
        Path.of(env.string("MANAGER_STATE_DIR", "/tmp/cocos")),
        env.integer("MANAGER_MAX_VMS", 10, 1, 100_000),
        env.portRange("MANAGER_QEMU_HOST_FWD_RANGE", new PortRange(6100, 6200)),
        // CIDs 0-2 are reserved (hypervisor, local, host); u32 max is "any".
        env.integer("MANAGER_QEMU_VSOCK_GUEST_CID", 3, 3, Integer.MAX_VALUE - 100_000),
        env.duration("MANAGER_QEMU_STOP_TIMEOUT", Duration.ofSeconds(30)),
        env.string("MANAGER_EOS_VERSION", ""),
        Env.parse(
            "MANAGER_CONSOLE_LOG_MAX_SIZE",
            env.string("MANAGER_CONSOLE_LOG_MAX_SIZE", "64M"),
            "a size of at least 1M such as 64M or 1G",
            text -> {
              long bytes = MemorySize.parse(text).bytes();
              if (bytes < MIN_CONSOLE_LOG_SIZE) {
                throw new IllegalArgumentException("too small");
              }
              return bytes;
            }),
        HostMemoryPolicy.fromEnv(env));
  }
}
