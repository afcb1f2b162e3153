package io.cocos.manager.qemu;

import static io.cocos.manager.qemu.QemuConfig.ENABLE_SEV;
import static io.cocos.manager.qemu.QemuConfig.ENABLE_SEV_SNP;
import static io.cocos.manager.qemu.QemuConfig.ENABLE_TDX;

import io.cocos.manager.core.config.ConfigException;
import io.cocos.manager.core.config.Env;
import io.cocos.manager.core.vm.TeeKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Which TEE the CVMs run in, from MANAGER_QEMU_ENABLE_SEV_SNP, _TDX, _SEV and the host. */
final class TeeChoice {
  private TeeChoice() {}

  /**
   * An explicit ENABLE_SEV_SNP, ENABLE_TDX or ENABLE_SEV=true wins (a warning when the host lacks
   * it); otherwise SEV-SNP and TDX are detected on the host unless set to false. Two TEEs at once
   * is an error.
   */
  static TeeKind of(Env env, HostTees detected, List<String> warnings) {
    Optional<Boolean> snp = env.optionalBool(ENABLE_SEV_SNP);
    Optional<Boolean> tdx = env.optionalBool(ENABLE_TDX);
    boolean sev = env.bool(ENABLE_SEV, false);

    List<String> asked = new ArrayList<>();
    snp.filter(on -> on).ifPresent(on -> asked.add(ENABLE_SEV_SNP));
    tdx.filter(on -> on).ifPresent(on -> asked.add(ENABLE_TDX));
    if (sev) {
      asked.add(ENABLE_SEV);
    }
    if (asked.size() > 1) {
      throw new ConfigException(
          asked.get(1), "true", "false while " + asked.get(0) + "=true: a CVM runs in one TEE");
    }
    if (!asked.isEmpty()) {
      TeeKind kind =
          switch (asked.get(0)) {
            case ENABLE_SEV_SNP -> TeeKind.SEV_SNP;
            case ENABLE_TDX -> TeeKind.TDX;
            default -> TeeKind.SEV;
          };
      HostTees.Support support =
          switch (kind) {
            case SEV_SNP -> detected.sevSnp();
            case TDX -> detected.tdx();
            default -> detected.sev();
          };
      if (!support.available()) {
        warnings.add(
            asked.get(0)
                + "=true but this host has no "
                + name(kind)
                + " ("
                + support.evidence()
                + "): QEMU will fail to start CVMs");
      }
      return kind;
    }

    boolean snpDetected = snp.isEmpty() && detected.sevSnp().available();
    boolean tdxDetected = tdx.isEmpty() && detected.tdx().available();
    if (snpDetected && tdxDetected) {
      throw new ConfigException(
          ENABLE_SEV_SNP,
          "",
          "true or false: this host reports both SEV-SNP and TDX, so set "
              + ENABLE_SEV_SNP
              + " or "
              + ENABLE_TDX
              + " explicitly");
    }
    return snpDetected ? TeeKind.SEV_SNP : tdxDetected ? TeeKind.TDX : TeeKind.NONE;
  }

  private static String name(TeeKind kind) {
    return switch (kind) {
      case SEV_SNP -> "SEV-SNP";
      case TDX -> "TDX";
      case SEV -> "SEV";
      case NONE -> "TEE";
    };
  }
}
