package io.cocos.manager.qemu.args;

import java.util.List;

/** The guest side of a {@link Fsdev9p}: mounted in the guest by its tag. */
public record Virtio9pPci(String fsdevId, String mountTag) implements QemuOption {
  public Virtio9pPci {
    QemuValues.requireId(fsdevId, "fsdev id");
    QemuValues.requireId(mountTag, "9P mount tag");
  }

  @Override
  public List<String> render() {
    return List.of("-device", "virtio-9p-pci,fsdev=" + fsdevId + ",mount_tag=" + mountTag);
  }
}
