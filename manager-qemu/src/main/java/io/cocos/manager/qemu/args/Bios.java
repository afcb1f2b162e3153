package io.cocos.manager.qemu.args;

import java.util.List;

/** {@code -bios <file>}: the combined OVMF image a TDX guest boots. */
public record Bios(String file) implements QemuOption {
  public Bios {
    QemuValues.requirePrintable(file, "BIOS file");
  }

  @Override
  public List<String> render() {
    return List.of("-bios", file);
  }
}
