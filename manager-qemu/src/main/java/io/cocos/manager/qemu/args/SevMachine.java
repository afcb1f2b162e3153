package io.cocos.manager.qemu.args;

import java.util.List;

/** Legacy SEV: {@code -machine memory-encryption=<sev-guest id>}. */
public record SevMachine(String sevGuestId) implements QemuOption {
  public SevMachine {
    QemuValues.requireId(sevGuestId, "SEV guest id");
  }

  @Override
  public List<String> render() {
    return List.of("-machine", "memory-encryption=" + sevGuestId);
  }
}
