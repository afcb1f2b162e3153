package io.cocos.manager.qemu.args;

import java.nio.file.Path;
import java.util.List;

/** A host directory exported over 9P; the guest sees it through a {@link Virtio9pPci}. */
public record Fsdev9p(String id, Path path) implements QemuOption {
  public Fsdev9p {
    QemuValues.requireId(id, "fsdev id");
    QemuValues.requirePrintable(path.toString(), "9P share directory");
  }

  @Override
  public List<String> render() {
    return List.of(
        "-fsdev",
        "local,id="
            + id
            + ",path="
            + QemuValues.optionValue(path.toString(), "9P share directory")
            + ",security_model=mapped");
  }
}
