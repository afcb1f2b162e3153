package io.cocos.manager.qemu.args;

import java.util.List;

/** The vsock device; CIDs 0-2 are reserved (hypervisor, local, host). */
public record VhostVsockPci(String id, int guestCid) implements QemuOption {
  public VhostVsockPci {
    QemuValues.requireId(id, "vsock device id");
    if (guestCid < 3) {
      throw new IllegalArgumentException("guest CID must be at least 3: " + guestCid);
    }
  }

  @Override
  public List<String> render() {
    return List.of("-device", "vhost-vsock-pci,id=" + id + ",guest-cid=" + guestCid);
  }
}
