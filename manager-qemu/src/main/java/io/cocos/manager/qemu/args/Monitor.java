package io.cocos.manager.qemu.args;

import java.util.List;

/**
 * {@code -monitor <chardev>}; a chardev spec ("pty", "unix:/run/m.sock,server,nowait") is passed as
 * written.
 */
public record Monitor(String chardev) implements QemuOption {
  public Monitor {
    QemuValues.requirePrintable(chardev, "monitor");
  }

  @Override
  public List<String> render() {
    return List.of("-monitor", chardev);
  }
}
