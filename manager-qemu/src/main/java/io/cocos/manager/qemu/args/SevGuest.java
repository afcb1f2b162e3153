package io.cocos.manager.qemu.args;

import java.util.List;

/** The legacy sev-guest object (seed 000's MANAGER_QEMU_ENABLE_SEV). */
public record SevGuest(String id, int cbitPos, int reducedPhysBits) implements QemuOption {
  public SevGuest {
    QemuValues.requireId(id, "SEV guest id");
  }

  @Override
  public List<String> render() {
    return List.of(
        "-object",
        "sev-guest,id=" + id + ",cbitpos=" + cbitPos + ",reduced-phys-bits=" + reducedPhysBits);
  }
}
