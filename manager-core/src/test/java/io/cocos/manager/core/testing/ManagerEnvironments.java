package io.cocos.manager.core.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Environments for managers under test (in-process or as a process): with the fake QEMU script
 * (test resource /fake-qemu, see its header for its modes) or with the real QEMU booting the test
 * guest. Every manager gets its own state directory, free ports and its own range of host ports.
 */
public final class ManagerEnvironments {
  /** The test guest, built by `make guest`. */
  public static final Path GUEST = Path.of(System.getProperty("test.guest.dir", "../build/guest"));

  private ManagerEnvironments() {}

  /** Copies the fake QEMU script out of the test resources as an executable file. */
  public static Path fakeQemu(Path dir) throws IOException {
    Path target = dir.resolve("fake-qemu");
    try (InputStream in = ManagerEnvironments.class.getResourceAsStream("/fake-qemu")) {
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
    }
    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
    return target;
  }

  /**
   * A complete environment for a manager with a fake QEMU, state under {@code dir}, its own block
   * of {@link PortBlocks#SIZE} host ports, TEEs off, and a trace collector address nobody listens
   * on (traces are then dropped after one warning). The gRPC and HTTP servers bind port 0: the
   * system picks free ports, which the daemon reports (its grpcPort() and httpPort(), and its
   * "listening" log lines). Callers add or override variables.
   */
  public static Map<String, String> fakeQemuEnv(Path dir) throws IOException {
    Path firmware = Files.createDirectories(dir.resolve("firmware"));
    for (String f : List.of("OVMF_CODE.fd", "OVMF_VARS.fd", "bzImage", "rootfs.cpio.gz")) {
      Files.write(firmware.resolve(f), new byte[4096]);
    }
    PortBlocks.Block hostPorts = PortBlocks.reserve();
    Map<String, String> env = new HashMap<>();
    env.put("MANAGER_GRPC_HOST", "127.0.0.1");
    env.put("MANAGER_GRPC_PORT", "0");
    env.put("MANAGER_HTTP_HOST", "127.0.0.1");
    env.put("MANAGER_HTTP_PORT", "0");
    // port 1 (tcpmux): below the ephemeral range, and nothing here serves it
    env.put("COCOS_JAEGER_URL", "http://127.0.0.1:1");
    env.put("MANAGER_STATE_DIR", dir.resolve("state").toString());
    env.put("MANAGER_QEMU_BIN_PATH", fakeQemu(dir).toString());
    env.put("MANAGER_QEMU_ENABLE_KVM", "false");
    env.put("MANAGER_QEMU_ENABLE_VSOCK", "false");
    env.put("MANAGER_QEMU_ENABLE_SEV_SNP", "false");
    env.put("MANAGER_QEMU_ENABLE_TDX", "false");
    env.put("MANAGER_QEMU_OVMF_CODE_FILE", firmware.resolve("OVMF_CODE.fd").toString());
    env.put("MANAGER_QEMU_OVMF_VARS_FILE", firmware.resolve("OVMF_VARS.fd").toString());
    env.put("MANAGER_QEMU_DISK_IMG_KERNEL_FILE", firmware.resolve("bzImage").toString());
    env.put("MANAGER_QEMU_DISK_IMG_ROOTFS_FILE", firmware.resolve("rootfs.cpio.gz").toString());
    env.put("MANAGER_QEMU_HOST_FWD_RANGE", hostPorts.first() + "-" + hostPorts.last());
    env.put("MANAGER_QEMU_POWERDOWN_TIMEOUT", "2s");
    env.put("MANAGER_QEMU_STOP_TIMEOUT", "2s");
    env.put("MANAGER_QEMU_KERNEL_CMDLINE", "console=ttyS0");
    return env;
  }

  /**
   * As {@link #fakeQemuEnv} but with the real qemu-system-x86_64 (TCG: KVM does not work for these
   * guests here) booting the test guest with Debian's OVMF.
   */
  public static Map<String, String> realQemuEnv(Path dir) throws IOException {
    if (!Files.exists(GUEST.resolve("bzImage"))) {
      throw new IllegalStateException(
          "the test guest is missing at " + GUEST.toAbsolutePath() + ": run `make guest`");
    }
    Map<String, String> env = fakeQemuEnv(dir);
    env.put("MANAGER_QEMU_BIN_PATH", "qemu-system-x86_64");
    env.put("MANAGER_QEMU_OVMF_CODE_FILE", "/usr/share/OVMF/OVMF_CODE.fd");
    env.put("MANAGER_QEMU_OVMF_VARS_FILE", "/usr/share/OVMF/OVMF_VARS.fd");
    env.put(
        "MANAGER_QEMU_DISK_IMG_KERNEL_FILE", GUEST.resolve("bzImage").toAbsolutePath().toString());
    env.put(
        "MANAGER_QEMU_DISK_IMG_ROOTFS_FILE",
        GUEST.resolve("rootfs.cpio.gz").toAbsolutePath().toString());
    env.put("MANAGER_QEMU_MEMORY_SIZE", "512M");
    env.put("MANAGER_QEMU_SMP_COUNT", "2");
    // The test guest has no ACPI daemon: it never obeys the power button, QMP quit ends it.
    env.put("MANAGER_QEMU_POWERDOWN_TIMEOUT", "1s");
    env.put("MANAGER_QEMU_STOP_TIMEOUT", "10s");
    return env;
  }
}
