package io.cocos.manager.attestation.measure.igvm;

/**
 * Options of {@code igvmmeasure measure}.
 *
 * @param nativeZero {@code --native-zero}: measure pages without file data as ZERO pages instead of
 *     NORMAL pages of zeros
 * @param ignoreIdBlock {@code --ignore-idblock}: do not fail when an SNP ID block expects another
 *     digest
 * @param checkKvm {@code --check-kvm}: enforce QEMU/KVM's restrictions (one VMSA, at GPA
 *     0xFFFFFFFFF000, CR0 0x30/0x31, placed after every parameter insert)
 */
public record IgvmMeasureOptions(boolean nativeZero, boolean ignoreIdBlock, boolean checkKvm) {
  /** igvmmeasure's defaults: all off. */
  public static final IgvmMeasureOptions DEFAULT = new IgvmMeasureOptions(false, false, false);

  public IgvmMeasureOptions withNativeZero(boolean v) {
    return new IgvmMeasureOptions(v, ignoreIdBlock, checkKvm);
  }

  public IgvmMeasureOptions withIgnoreIdBlock(boolean v) {
    return new IgvmMeasureOptions(nativeZero, v, checkKvm);
  }

  public IgvmMeasureOptions withCheckKvm(boolean v) {
    return new IgvmMeasureOptions(nativeZero, ignoreIdBlock, v);
  }
}
