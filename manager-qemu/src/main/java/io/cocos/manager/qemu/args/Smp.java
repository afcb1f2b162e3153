package io.cocos.manager.qemu.args;

import java.util.List;

/** {@code -smp <cpus>,maxcpus=<max>}. */
public record Smp(int cpus, int maxCpus) implements QemuOption {
  public Smp {
    if (cpus < 1 || maxCpus < cpus) {
      throw new IllegalArgumentException(
          "need 1 <= cpus <= maxcpus, got " + cpus + " and " + maxCpus);
    }
  }

  @Override
  public List<String> render() {
    return List.of("-smp", cpus + ",maxcpus=" + maxCpus);
  }
}
