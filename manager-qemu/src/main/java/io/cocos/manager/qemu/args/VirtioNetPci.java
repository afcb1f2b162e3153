package io.cocos.manager.qemu.args;

import java.util.List;

/**
 * The guest's network card, attached to a {@link UserNetdev}. An empty romfile means no option ROM.
 */
public record VirtioNetPci(
    String netdevId, String disableLegacy, boolean iommuPlatform, String addr, String romfile)
    implements QemuOption {
  public VirtioNetPci {
    QemuValues.requireId(netdevId, "netdev id");
    QemuValues.requireId(disableLegacy, "virtio-net-pci disable-legacy");
    QemuValues.requirePrintable(addr, "virtio-net-pci addr");
    QemuValues.requirePrintable(romfile, "virtio-net-pci romfile");
  }

  @Override
  public List<String> render() {
    return List.of(
        "-device",
        "virtio-net-pci,disable-legacy="
            + disableLegacy
            + ",iommu_platform="
            + iommuPlatform
            + ",netdev="
            + netdevId
            + ",addr="
            + QemuValues.optionValue(addr, "virtio-net-pci addr")
            + ",romfile="
            + QemuValues.optionValue(romfile, "virtio-net-pci romfile"));
  }
}
