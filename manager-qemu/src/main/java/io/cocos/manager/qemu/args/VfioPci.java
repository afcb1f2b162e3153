package io.cocos.manager.qemu.args;

import java.util.List;
import java.util.regex.Pattern;

/** A host PCI device (a GPU bound to vfio-pci) passed through to the guest on {@code bus}. */
public record VfioPci(String hostAddress, String bus) implements QemuOption {
  /** [domain:]bus:device.function, as lspci -D and sysfs spell it: 0000:01:00.0. */
  public static final Pattern BDF =
      Pattern.compile("([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[01][0-9a-fA-F]\\.[0-7]");

  public VfioPci {
    if (hostAddress == null || !BDF.matcher(hostAddress).matches()) {
      throw new IllegalArgumentException(
          "host PCI address \""
              + QemuValues.bounded(hostAddress)
              + "\" is not [domain:]bus:device.function such as 0000:01:00.0");
    }
    QemuValues.requireId(bus, "PCIe bus");
  }

  @Override
  public List<String> render() {
    return List.of("-device", "vfio-pci,host=" + hostAddress + ",bus=" + bus);
  }
}
