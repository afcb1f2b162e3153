package io.cocos.manager.qemu.args;

import java.util.List;

/** The IGVM image (firmware plus SVSM) an SEV-SNP guest boots from. */
public record IgvmCfg(String id, String file) implements QemuOption {
  public IgvmCfg {
    QemuValues.requireId(id, "IGVM id");
    QemuValues.requirePrintable(file, "IGVM file");
  }

  @Override
  public List<String> render() {
    return List.of(
        "-object", "igvm-cfg,id=" + id + ",file=" + QemuValues.optionValue(file, "IGVM file"));
  }
}
