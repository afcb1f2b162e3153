package io.cocos.manager.qemu.args;

import java.util.List;

/** The machine properties of a TDX guest; TDX does not support the HPET. */
public record TdxMachine(String guestSupportId, String memoryBackendId) implements QemuOption {
  public TdxMachine {
    QemuValues.requireId(guestSupportId, "TDX guest id");
    QemuValues.requireId(memoryBackendId, "memory backend id");
  }

  @Override
  public List<String> render() {
    return List.of(
        "-machine",
        "confidential-guest-support="
            + guestSupportId
            + ",memory-backend="
            + memoryBackendId
            + ",hpet=off");
  }
}
