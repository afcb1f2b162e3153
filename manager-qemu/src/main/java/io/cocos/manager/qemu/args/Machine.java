package io.cocos.manager.qemu.args;

import java.util.List;

/**
 * {@code -machine <type>}. The operator's MANAGER_QEMU_MACHINE is an option string on purpose
 * ("q35" or "q35,smm=on"), so it is passed as written; it comes from the host's configuration,
 * never from a caller.
 */
public record Machine(String type) implements QemuOption {
  public Machine {
    QemuValues.requirePrintable(type, "machine type");
  }

  @Override
  public List<String> render() {
    return List.of("-machine", type);
  }
}
