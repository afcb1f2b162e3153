package io.cocos.manager.qemu.args;

import java.util.List;

/**
 * A disk image attached to no bus of its own ({@code if=none}); a device such as {@link ScsiHd}
 * presents it.
 */
public record ImageDrive(String file, String id, String format) implements QemuOption {
  public ImageDrive {
    QemuValues.requirePrintable(file, "disk file");
    QemuValues.requireId(id, "disk id");
    QemuValues.requireId(format, "disk format");
  }

  @Override
  public List<String> render() {
    return List.of(
        "-drive",
        "file="
            + QemuValues.optionValue(file, "disk file")
            + ",if=none,id="
            + id
            + ",format="
            + format);
  }
}
