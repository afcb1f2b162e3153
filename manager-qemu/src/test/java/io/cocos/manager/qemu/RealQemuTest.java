package io.cocos.manager.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cocos.manager.core.testing.ManagerEnvironments;
import io.cocos.manager.core.testing.PortBlocks;
import io.cocos.manager.core.vm.VmLaunchSpec;
import io.cocos.manager.core.vm.VmProcess;
import io.cocos.manager.core.vm.VmStartException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real qemu-system-x86_64 (scripts/install-deps.sh installs it): its own error must reach the
 * caller of start(); it is ready when it answers QMP; removal goes through QMP before any signal.
 */
class RealQemuTest {
  private static final Path OVMF_CODE = Path.of("/usr/share/OVMF/OVMF_CODE.fd");
  private static final Path OVMF_VARS = Path.of("/usr/share/OVMF/OVMF_VARS.fd");

  @Test
  void qemusOwnErrorReachesTheCaller(@TempDir Path dir) {
    assertThat(onPath("qemu-system-x86_64"))
        .as("qemu-system-x86_64 installed (scripts/install-deps.sh)")
        .isTrue();
    assertThat(Files.isReadable(OVMF_CODE) && Files.isReadable(OVMF_VARS))
        .as("OVMF installed (scripts/install-deps.sh)")
        .isTrue();
    QemuConfig config =
        TestEnv.config(
            "ENABLE_SEV_SNP",
            "false",
            "ENABLE_TDX",
            "false",
            "ENABLE_KVM",
            "false",
            "ENABLE_VSOCK",
            "false",
            "OVMF_CODE_FILE",
            OVMF_CODE.toString(),
            "OVMF_VARS_FILE",
            OVMF_VARS.toString(),
            "DISK_IMG_KERNEL_FILE",
            dir + "/missing-bzImage");
    VmLaunchSpec spec =
        new VmLaunchSpec(
            UUID.randomUUID().toString(),
            6100,
            3,
            dir.resolve("vm"),
            dir.resolve("certs"),
            dir.resolve("env"),
            dir.resolve("console.log"));

    QemuHypervisor hypervisor = new QemuHypervisor(config);
    assertThatThrownBy(() -> hypervisor.awaitReady(spec, hypervisor.spawn(spec)))
        .isInstanceOf(VmStartException.class)
        .hasMessageContaining("exited before it answered QMP")
        .hasMessageContaining("could not open kernel file '" + dir + "/missing-bzImage'");
    assertThat(QemuCommandLine.ovmfVarsCopy(spec)).doesNotExist();
  }

  @Test
  void aRealQemuIsReadyWhenItAnswersQmpAndRemovalAsksTheGuestThenQemu(@TempDir Path dir)
      throws Exception {
    Path guest = ManagerEnvironments.GUEST;
    assertThat(guest.resolve("bzImage")).as("the test guest (make guest)").exists();
    QemuConfig config =
        TestEnv.config(
            "ENABLE_SEV_SNP",
            "false",
            "ENABLE_TDX",
            "false",
            "ENABLE_KVM",
            "false",
            "ENABLE_VSOCK",
            "false",
            "OVMF_CODE_FILE",
            OVMF_CODE.toString(),
            "OVMF_VARS_FILE",
            OVMF_VARS.toString(),
            "DISK_IMG_KERNEL_FILE",
            guest.resolve("bzImage").toAbsolutePath().toString(),
            "DISK_IMG_ROOTFS_FILE",
            guest.resolve("rootfs.cpio.gz").toAbsolutePath().toString(),
            "MEMORY_SIZE",
            "256M",
            "SMP_COUNT",
            "1",
            "KERNEL_CMDLINE",
            "console=ttyS0",
            "POWERDOWN_TIMEOUT",
            "1s");
    VmLaunchSpec spec =
        new VmLaunchSpec(
            UUID.randomUUID().toString(),
            PortBlocks.reserve().first(),
            3,
            dir.resolve("vm"),
            dir.resolve("certs"),
            dir.resolve("env"),
            dir.resolve("console.log"));
    Files.createDirectories(spec.certsDir());
    Files.createDirectories(spec.envDir());
    QemuHypervisor hypervisor = new QemuHypervisor(config);
    VmProcess vm = hypervisor.spawn(spec);
    try {
      hypervisor.awaitReady(spec, vm);

      assertThat(vm.isAlive()).isTrue();
      assertThat(vm.guestStatus()).contains("running");

      // The test guest has no ACPI daemon: the power button does nothing and QMP quit ends QEMU.
      assertThat(vm.shutDown(Duration.ofSeconds(10))).isZero();
      assertThat(vm.shutdownReason())
          .hasValueSatisfying(r -> assertThat(r).isIn("host-qmp-quit", "guest-shutdown"));
      // ended; its parent (init here: QEMU is not the manager's child) reaps it, perhaps a moment
      // later
      assertThat(ProcFs.stat(vm.pid()).map(ProcFs.Stat::isZombie).orElse(true)).isTrue();
    } finally {
      vm.stop(Duration.ZERO);
    }
  }

  private static boolean onPath(String program) {
    return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
        .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, program)));
  }
}
