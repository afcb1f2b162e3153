package io.cocos.manager.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cocos.manager.core.testing.ManagerEnvironments;
import io.cocos.manager.core.testing.PortBlocks;
import io.cocos.manager.core.vm.ExitStatus;
import io.cocos.manager.core.vm.VmLaunchSpec;
import io.cocos.manager.core.vm.VmProcess;
import io.cocos.manager.core.vm.VmStartException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real qemu-system-x86_64 (scripts/install-deps.sh installs it), under TCG with the test guest
 * (make guest): its own error must reach the caller of start(); it is ready when it answers QMP;
 * removal goes through QMP before any signal; a SIGKILL reads as such. An integration test (mvn
 * verify): each boots a real QEMU.
 */
class RealQemuIT {
  private static final Path OVMF_CODE = Path.of("/usr/share/OVMF/OVMF_CODE.fd");
  private static final Path OVMF_VARS = Path.of("/usr/share/OVMF/OVMF_VARS.fd");

  @Test
  void qemusOwnErrorReachesTheCaller(@TempDir Path dir) throws Exception {
    assertThat(onPath("qemu-system-x86_64"))
        .as("qemu-system-x86_64 installed (scripts/install-deps.sh)")
        .isTrue();
    assertThat(Files.isReadable(OVMF_CODE) && Files.isReadable(OVMF_VARS))
        .as("OVMF installed (scripts/install-deps.sh)")
        .isTrue();
    VmLaunchSpec spec = spec(dir);

    QemuHypervisor hypervisor =
        new QemuHypervisor(tcgConfig("DISK_IMG_KERNEL_FILE", dir + "/missing-bzImage"));
    assertThatThrownBy(() -> hypervisor.awaitReady(spec, hypervisor.spawn(spec)))
        .isInstanceOf(VmStartException.class)
        .hasMessageContaining("exited before it answered QMP")
        .hasMessageContaining("could not open kernel file '" + dir + "/missing-bzImage'");
    assertThat(QemuCommandLine.ovmfVarsCopy(spec)).doesNotExist();
  }

  /** A real QEMU booting the test guest under TCG. */
  private static QemuHypervisor bootingHypervisor() {
    Path guest = ManagerEnvironments.GUEST;
    assertThat(guest.resolve("bzImage")).as("the test guest (make guest)").exists();
    return new QemuHypervisor(
        tcgConfig(
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
            "1s"));
  }

  /** No TEE, no KVM, no vsock, the installed OVMF; then {@code more}. */
  private static QemuConfig tcgConfig(String... more) {
    List<String> env =
        new ArrayList<>(
            List.of(
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
                OVMF_VARS.toString()));
    env.addAll(List.of(more));
    return TestEnv.config(env.toArray(String[]::new));
  }

  private static VmLaunchSpec spec(Path dir) throws Exception {
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
    return spec;
  }

  @Test
  void aRealQemuIsReadyWhenItAnswersQmpAndRemovalAsksTheGuestThenQemu(@TempDir Path dir)
      throws Exception {
    VmLaunchSpec spec = spec(dir);
    QemuHypervisor hypervisor = bootingHypervisor();
    VmProcess vm = hypervisor.spawn(spec);
    try {
      hypervisor.awaitReady(spec, vm);

      assertThat(vm.isAlive()).isTrue();
      assertThat(vm.guestStatus()).contains("running");

      // The test guest has no ACPI daemon: the power button does nothing and QMP quit ends QEMU.
      assertThat(vm.shutDown(Duration.ofSeconds(10))).isZero();
      assertThat(vm.shutdownReason())
          .hasValueSatisfying(r -> assertThat(r).isIn("host-qmp-quit", "guest-shutdown"));
      assertThat(vm.exit().get().describe()).isEqualTo("exit code 0");
      // ended; its parent, the wrapper, reaps it at once
      assertThat(ProcFs.stat(vm.pid()).map(ProcFs.Stat::isZombie).orElse(true)).isTrue();
    } finally {
      vm.stop(Duration.ZERO);
    }
  }

  @Test
  void aRealQemuKilledWithSigkillReadsKilledBySignal9(@TempDir Path dir) throws Exception {
    VmLaunchSpec spec = spec(dir);
    QemuHypervisor hypervisor = bootingHypervisor();
    VmProcess vm = hypervisor.spawn(spec);
    try {
      hypervisor.awaitReady(spec, vm);

      ProcessHandle.of(vm.pid()).orElseThrow().destroyForcibly();

      ExitStatus status = vm.exit().get(10, TimeUnit.SECONDS);
      assertThat(status.describe()).isEqualTo("killed by signal 9 (SIGKILL)");
      assertThat(status.exitCode()).isEqualTo(137);
      assertThat(vm.shutdownReason()).isEmpty();
    } finally {
      vm.stop(Duration.ZERO);
    }
  }

  private static boolean onPath(String program) {
    return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
        .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, program)));
  }
}
