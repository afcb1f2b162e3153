package io.cocos.manager.qemu.args;

import io.cocos.manager.core.config.MemorySize;
import java.util.List;

/** {@code -m <size>,slots=<n>,maxmem=<max>}; sizes are rendered as the operator wrote them. */
public record Memory(MemorySize size, int slots, MemorySize max) implements QemuOption {
  public Memory {
    if (slots < 0) {
      throw new IllegalArgumentException("memory slots must not be negative: " + slots);
    }
    if (max.bytes() < size.bytes()) {
      throw new IllegalArgumentException(
          "maxmem " + max + " is smaller than the memory size " + size);
    }
  }

  @Override
  public List<String> render() {
    return List.of("-m", size + ",slots=" + slots + ",maxmem=" + max);
  }
}
