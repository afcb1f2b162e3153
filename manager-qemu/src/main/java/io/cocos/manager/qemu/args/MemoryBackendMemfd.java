package io.cocos.manager.qemu.args;

import io.cocos.manager.core.config.MemorySize;
import java.util.List;

/** Guest RAM as a memfd object, which SEV-SNP and TDX guests need as their memory backend. */
public record MemoryBackendMemfd(String id, MemorySize size) implements QemuOption {
  public MemoryBackendMemfd {
    QemuValues.requireId(id, "memory backend id");
  }

  @Override
  public List<String> render() {
    return List.of(
        "-object",
        "memory-backend-memfd,id=" + id + ",size=" + size + ",share=true,prealloc=false");
  }
}
