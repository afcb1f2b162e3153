package io.cocos.manager.qemu.args;

import java.util.List;

/** The machine properties that turn the guest into an SEV-SNP guest booted from an IGVM file. */
public record SevSnpMachine(String guestSupportId, String memoryBackendId, String igvmCfgId)
    implements QemuOption {
  public SevSnpMachine {
    QemuValues.requireId(guestSupportId, "SEV-SNP guest id");
    QemuValues.requireId(memoryBackendId, "memory backend id");
    QemuValues.requireId(igvmCfgId, "IGVM id");
  }

  @Override
  public List<String> render() {
    return List.of(
        "-machine",
        "confidential-guest-support="
            + guestSupportId
            + ",memory-backend="
            + memoryBackendId
            + ",igvm-cfg="
            + igvmCfgId);
  }
}
