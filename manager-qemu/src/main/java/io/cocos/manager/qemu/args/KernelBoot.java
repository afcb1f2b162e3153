package io.cocos.manager.qemu.args;

import java.util.List;

/**
 * Direct kernel boot. Each value is an argument of its own, not part of an option string, so commas
 * need no escaping here.
 */
public record KernelBoot(String kernel, String commandLine, String initrd) implements QemuOption {
  public KernelBoot {
    QemuValues.requirePrintable(kernel, "kernel file");
    QemuValues.requirePrintable(commandLine, "kernel command line");
    QemuValues.requirePrintable(initrd, "initramfs file");
  }

  @Override
  public List<String> render() {
    return List.of("-kernel", kernel, "-append", commandLine, "-initrd", initrd);
  }
}
