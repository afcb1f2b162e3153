package io.cocos.manager.qemu.args;

import java.util.List;

/** {@code -cpu <model>}; like {@link Machine}, the model may carry options ("EPYC-v4,+x2apic"). */
public record Cpu(String model) implements QemuOption {
  public Cpu {
    QemuValues.requirePrintable(model, "CPU model");
  }

  @Override
  public List<String> render() {
    return List.of("-cpu", model);
  }
}
