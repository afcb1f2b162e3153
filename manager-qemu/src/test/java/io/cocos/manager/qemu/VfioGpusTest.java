package io.cocos.manager.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cocos.manager.core.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GPU detection and the GPU settings, against a fake sysfs tree laid out as the kernel's. */
class VfioGpusTest {
  @TempDir Path sys;

  /**
   * A PCI device under bus/pci/devices, bound to {@code driver} (a link under bus/pci/drivers) when
   * not null.
   */
  private void device(String bdf, String vendor, String deviceClass, String driver)
      throws IOException {
    Path device = Files.createDirectories(sys.resolve("bus/pci/devices").resolve(bdf));
    Files.writeString(device.resolve("vendor"), vendor + "\n");
    Files.writeString(device.resolve("class"), deviceClass + "\n");
    if (driver != null) {
      Path drivers = Files.createDirectories(sys.resolve("bus/pci/drivers").resolve(driver));
      Files.createSymbolicLink(drivers.resolve(bdf), device);
    }
  }

  private void vfioDriverFiles() throws IOException {
    Path driver = Files.createDirectories(sys.resolve("bus/pci/drivers/vfio-pci"));
    for (String file : new String[] {"bind", "unbind", "new_id", "remove_id", "uevent"}) {
      Files.writeString(driver.resolve(file), "");
    }
  }

  @Test
  void findsTheFirstNvidiaGpuBoundToVfio() throws IOException {
    vfioDriverFiles();
    device("0000:00:02.0", "0x8086", "0x030000", "i915"); // Intel VGA, host driver
    device("0000:03:00.0", "0x10de", "0x030200", "nvidia"); // NVIDIA, not bound to vfio
    device("0000:05:00.0", "0x15b3", "0x020000", "vfio-pci"); // a NIC on vfio
    device("0000:41:00.1", "0x10de", "0x040300", "vfio-pci"); // the GPU's audio function
    device("0000:c1:00.0", "0x10de", "0x030200", "vfio-pci"); // H100 (3D controller)
    device("0000:81:00.0", "0x10de", "0x030000", "vfio-pci"); // VGA NVIDIA

    assertThat(VfioGpus.at(sys).firstNvidia()).contains("0000:81:00.0");
  }

  @Test
  void noVfioDriverOrNoNvidiaDeviceMeansNoGpu() throws IOException {
    assertThat(VfioGpus.at(sys).firstNvidia()).isEmpty();
    vfioDriverFiles();
    device("0000:05:00.0", "0x15b3", "0x020000", "vfio-pci");
    assertThat(VfioGpus.at(sys).firstNvidia()).isEmpty();
  }

  @Test
  void aDetectedGpuIsUsedUnlessOneIsConfigured() throws IOException {
    device("0000:c1:00.0", "0x10de", "0x030200", "vfio-pci");
    VfioGpus gpus = VfioGpus.at(sys);

    assertThat(QemuConfig.fromEnv(TestEnv.of(), TestEnv.PLAIN_HOST, gpus).gpu())
        .contains(new QemuConfig.Gpu("0000:c1:00.0", "pci.1", "pcie.0", 262144));
    assertThat(
            QemuConfig.fromEnv(TestEnv.of("GPU_BDF", "0000:02:00.0"), TestEnv.PLAIN_HOST, gpus)
                .gpu())
        .map(QemuConfig.Gpu::bdf)
        .contains("0000:02:00.0");
    assertThat(TestEnv.config().gpu()).isEmpty();
  }

  @Test
  void aMalformedBdfStopsStartUpNamingTheVariable() {
    for (String bad :
        new String[] {"0000:01:00", "01:00.8", "0000:01:20.0", "0000:01:00.0,x-vga=on", "gpu0"}) {
      assertThatThrownBy(() -> TestEnv.config("GPU_BDF", bad))
          .as("GPU_BDF=%s", bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("MANAGER_QEMU_GPU_BDF=")
          .hasMessageContaining("[domain:]bus:device.function");
    }
    assertThatThrownBy(() -> TestEnv.config("GPU_BDF", "01:00.0", "GPU_FW_CFG_MMIO_MB", "0"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("MANAGER_QEMU_GPU_FW_CFG_MMIO_MB=");
    assertThatThrownBy(
            () -> TestEnv.config("GPU_BDF", "01:00.0", "GPU_PCIE_ROOT_PORT", "pci.1,x=1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("MANAGER_QEMU_GPU_PCIE_ROOT_PORT=");
  }
}
