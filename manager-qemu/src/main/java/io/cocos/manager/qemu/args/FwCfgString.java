package io.cocos.manager.qemu.args;

import java.util.List;
import java.util.regex.Pattern;

/** A firmware configuration item holding a string, read by OVMF (opt/ovmf/...). */
public record FwCfgString(String name, String value) implements QemuOption {
  /** fw_cfg names are paths of plain words; "opt/" is the prefix QEMU reserves for users. */
  private static final Pattern NAME = Pattern.compile("opt/[A-Za-z0-9._/-]+");

  /** OVMF's 64-bit PCI MMIO aperture in MiB: a GPU's BARs do not fit in the default one. */
  public static FwCfgString pciMmio64Mb(long megabytes) {
    if (megabytes <= 0) {
      throw new IllegalArgumentException("PCI MMIO size must be positive: " + megabytes);
    }
    return new FwCfgString("opt/ovmf/X-PciMmio64Mb", Long.toString(megabytes));
  }

  public FwCfgString {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "fw_cfg name \"" + QemuValues.bounded(name) + "\" is not opt/<path>");
    }
    QemuValues.requirePrintable(value, "fw_cfg string");
  }

  @Override
  public List<String> render() {
    return List.of(
        "-fw_cfg", "name=" + name + ",string=" + QemuValues.optionValue(value, "fw_cfg string"));
  }
}
