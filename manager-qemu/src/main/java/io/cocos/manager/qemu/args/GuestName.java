package io.cocos.manager.qemu.args;

import java.util.List;

/**
 * {@code -name guest=<name>}: QEMU names itself after its CVM, so the process says whose it is in
 * ps and /proc without any record.
 */
public record GuestName(String name) implements QemuOption {
  public GuestName {
    QemuValues.requireIdSuffix(name, "guest name");
  }

  @Override
  public List<String> render() {
    return List.of("-name", "guest=" + name);
  }
}
