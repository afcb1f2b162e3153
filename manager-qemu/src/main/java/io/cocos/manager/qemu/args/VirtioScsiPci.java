package io.cocos.manager.qemu.args;

import java.util.List;

/**
 * The SCSI controller the boot disk hangs off; modern-only and behind the IOMMU, as a confidential
 * guest needs (its memory is not readable by a legacy device's DMA).
 */
public record VirtioScsiPci(String id) implements QemuOption {
  public VirtioScsiPci {
    QemuValues.requireId(id, "SCSI controller id");
  }

  /** The controller's first bus, where {@link ScsiHd} plugs in. */
  public String firstBus() {
    return id + ".0";
  }

  @Override
  public List<String> render() {
    return List.of(
        "-device", "virtio-scsi-pci,id=" + id + ",disable-legacy=on,iommu_platform=true");
  }
}
