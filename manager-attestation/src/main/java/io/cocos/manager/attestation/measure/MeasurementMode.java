package io.cocos.manager.attestation.measure;

import java.util.Locale;

/** Guest modes, named as sev-snp-measure's {@code --mode} names them. */
public enum MeasurementMode {
  /** SEV: SHA-256 over OVMF (and the hashes table). */
  SEV("sev"),
  /** SEV-ES: SEV plus one VMSA per vCPU. */
  SEV_ES("seves"),
  /** SEV-SNP with OVMF. */
  SNP("snp"),
  /** Just the SNP digest of the OVMF pages (to pass later as {@code --snp-ovmf-hash}). */
  SNP_OVMF_HASH("snp:ovmf-hash"),
  /** SEV-SNP with COCONUT-SVSM + OVMF. */
  SNP_SVSM("snp:svsm");

  private final String cliName;

  MeasurementMode(String cliName) {
    this.cliName = cliName;
  }

  /** The {@code --mode} value. */
  public String cliName() {
    return cliName;
  }

  /** Whether this mode produces a SHA-384 SNP launch digest (else a SHA-256 SEV/SEV-ES one). */
  public boolean isSnp() {
    return this == SNP || this == SNP_OVMF_HASH || this == SNP_SVSM;
  }

  /**
   * Parses a {@code --mode} value; also accepts the aliases sev-snp-measure's SevMode accepts (SEV,
   * sev-es, SEV-ES, SEVES, sev-snp, SNP, SEV-SNP, sev-snp:svsm).
   */
  public static MeasurementMode fromCli(String s) throws MeasurementException {
    if (s != null) {
      switch (s.toLowerCase(Locale.ROOT)) {
        case "sev":
          return SEV;
        case "seves":
        case "sev-es":
          return SEV_ES;
        case "snp":
        case "sev-snp":
          return SNP;
        case "snp:ovmf-hash":
          return SNP_OVMF_HASH;
        case "snp:svsm":
        case "sev-snp:svsm":
          return SNP_SVSM;
        default:
          break;
      }
    }
    throw new MeasurementException(
        "unknown mode '" + s + "' (expected sev, seves, snp, snp:ovmf-hash or snp:svsm)");
  }

  @Override
  public String toString() {
    return cliName;
  }
}
