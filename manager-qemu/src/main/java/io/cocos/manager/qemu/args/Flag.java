package io.cocos.manager.qemu.args;

import java.util.List;

/** Arguments that take no value. */
public enum Flag implements QemuOption {
  ENABLE_KVM("-enable-kvm"),
  NO_GRAPHIC("-nographic"),
  NO_DEFAULTS("-nodefaults");

  private final String argument;

  Flag(String argument) {
    this.argument = argument;
  }

  @Override
  public List<String> render() {
    return List.of(argument);
  }
}
