package io.cocos.manager.qemu.args;

import java.util.List;

/**
 * A PCIe root port on the machine's root bus: a passed-through GPU needs a PCIe slot of its own.
 */
public record PcieRootPort(String id, String bus) implements QemuOption {
  public PcieRootPort {
    QemuValues.requireId(id, "PCIe root port id");
    QemuValues.requireId(bus, "PCIe bus");
  }

  @Override
  public List<String> render() {
    return List.of("-device", "pcie-root-port,id=" + id + ",bus=" + bus);
  }
}
