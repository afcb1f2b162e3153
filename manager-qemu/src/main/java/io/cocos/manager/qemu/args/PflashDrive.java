package io.cocos.manager.qemu.args;

import java.util.List;
import java.util.Optional;

/**
 * A firmware drive: {@code -drive if=pflash,format=raw,unit=0,file=<path>[,readonly=on]}.
 *
 * @param readOnly present for the code drive, absent for the (per-CVM, writable) vars drive
 */
public record PflashDrive(
    String interfaceType, String format, int unit, String file, Optional<String> readOnly)
    implements QemuOption {
  public PflashDrive {
    QemuValues.requireId(interfaceType, "drive interface");
    QemuValues.requireId(format, "drive format");
    if (unit < 0) {
      throw new IllegalArgumentException("drive unit must not be negative: " + unit);
    }
    QemuValues.requirePrintable(file, "firmware file");
    readOnly.ifPresent(r -> QemuValues.requireId(r, "drive readonly"));
  }

  /** The same drive backed by another file (the per-CVM copy of the vars template). */
  public PflashDrive withFile(String otherFile) {
    return new PflashDrive(interfaceType, format, unit, otherFile, readOnly);
  }

  @Override
  public List<String> render() {
    String value =
        "if="
            + interfaceType
            + ",format="
            + format
            + ",unit="
            + unit
            + ",file="
            + QemuValues.optionValue(file, "firmware file")
            + readOnly.map(r -> ",readonly=" + r).orElse("");
    return List.of("-drive", value);
  }
}
