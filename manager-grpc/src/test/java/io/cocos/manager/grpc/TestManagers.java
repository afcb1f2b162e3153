package io.cocos.manager.grpc;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** Environments for managers under test: a fake QEMU, temporary state, free ports. */
public final class TestManagers {
  private TestManagers() {}

  /** Copies the fake QEMU script out of the test resources as an executable file. */
  public static Path fakeQemu(Path dir) throws IOException {
    Path target = dir.resolve("fake-qemu");
    try (InputStream in = TestManagers.class.getResourceAsStream("/fake-qemu")) {
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
    }
    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
    return target;
  }

  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /**
   * A complete environment for a manager with a fake QEMU, state under {@code dir}, a random
   * port range of 20 ports, and TEEs off. Callers add or override variables.
   */
  public static Map<String, String> fakeQemuEnv(Path dir) throws IOException {
    Path firmware = Files.createDirectories(dir.resolve("firmware"));
    Files.write(firmware.resolve("OVMF_CODE.fd"), new byte[4096]);
    Files.write(firmware.resolve("OVMF_VARS.fd"), new byte[4096]);
    Files.write(firmware.resolve("bzImage"), new byte[16]);
    Files.write(firmware.resolve("rootfs.cpio.gz"), new byte[16]);
    int firstPort = 30000 + ThreadLocalRandom.current().nextInt(2000) * 10;
    Map<String, String> env = new HashMap<>();
    env.put("MANAGER_GRPC_HOST", "127.0.0.1");
    env.put("MANAGER_GRPC_PORT", Integer.toString(freePort()));
    env.put("MANAGER_HTTP_HOST", "127.0.0.1");
    env.put("MANAGER_HTTP_PORT", Integer.toString(freePort()));
    // no collector listens here: traces are dropped after one warning
    env.put("COCOS_JAEGER_URL", "http://127.0.0.1:" + freePort());
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
    env.put("MANAGER_QEMU_HOST_FWD_RANGE", firstPort + "-" + (firstPort + 19));
    env.put("MANAGER_QEMU_STARTUP_GRACE", "300ms");
    env.put("MANAGER_QEMU_STOP_TIMEOUT", "2s");
    env.put("MANAGER_QEMU_KERNEL_CMDLINE", "console=ttyS0");
    return env;
  }
}
