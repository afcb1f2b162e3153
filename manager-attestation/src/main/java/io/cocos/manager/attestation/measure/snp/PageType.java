package io.cocos.manager.attestation.measure.snp;

/** SNP_LAUNCH_UPDATE page types (SEV-SNP firmware ABI, PAGE_INFO.PAGE_TYPE). */
public enum PageType {
  NORMAL(1),
  VMSA(2),
  ZERO(3),
  UNMEASURED(4),
  SECRETS(5),
  CPUID(6);

  private final int value;

  PageType(int value) {
    this.value = value;
  }

  /** The byte stored in PAGE_INFO. */
  public int value() {
    return value;
  }
}
