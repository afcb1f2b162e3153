package io.cocos.manager.attestation.measure.ovmf;

/** Section types of OVMF's SEV metadata (edk2 OvmfPkg/ResetVector/X64/OvmfSevMetadata.asm). */
public enum SectionType {
  SNP_SEC_MEM(1),
  SNP_SECRETS(2),
  CPUID(3),
  SVSM_CAA(4),
  SNP_KERNEL_HASHES(0x10);

  private final int value;

  SectionType(int value) {
    this.value = value;
  }

  public int value() {
    return value;
  }

  /** The type with this value, or null. */
  public static SectionType of(long value) {
    for (SectionType t : values()) {
      if (t.value == value) {
        return t;
      }
    }
    return null;
  }
}
