package io.cocos.manager.qemu.args;

import java.util.List;

/** A SCSI disk presenting an {@link ImageDrive} on a {@link VirtioScsiPci} bus. */
public record ScsiHd(String drive, String bus) implements QemuOption {
  public ScsiHd {
    QemuValues.requireId(drive, "disk id");
    QemuValues.requireId(bus, "SCSI bus");
  }

  @Override
  public List<String> render() {
    return List.of("-device", "scsi-hd,drive=" + drive + ",bus=" + bus);
  }
}
