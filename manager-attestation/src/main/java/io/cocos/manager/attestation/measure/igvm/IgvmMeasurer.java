package io.cocos.manager.attestation.measure.igvm;

import io.cocos.manager.attestation.measure.LaunchDigest;
import io.cocos.manager.attestation.measure.MeasurementException;
import io.cocos.manager.attestation.measure.igvm.IgvmHeader.PageData;
import io.cocos.manager.attestation.measure.igvm.IgvmHeader.ParameterInsert;
import io.cocos.manager.attestation.measure.igvm.IgvmHeader.SnpIdBlock;
import io.cocos.manager.attestation.measure.igvm.IgvmHeader.SupportedPlatform;
import io.cocos.manager.attestation.measure.igvm.IgvmHeader.VpContext;
import io.cocos.manager.attestation.measure.snp.PageType;
import io.cocos.manager.attestation.measure.snp.SnpLaunchDigest;
import io.cocos.manager.attestation.measure.snp.Vmsa;
import io.cocos.manager.attestation.measure.util.Le;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Computes the SEV-SNP launch digest of an IGVM file as COCONUT-SVSM's {@code igvmmeasure measure}
 * does: directives in file order, those whose compatibility mask overlaps the SEV-SNP platform's.
 *
 * <ul>
 *   <li>PAGE_DATA, normal: UNMEASURED if flagged unmeasured; without file data a NORMAL page of
 *       zeros (a ZERO page with native-zero); otherwise NORMAL pages over the data. Secrets:
 *       SECRETS; CPUID data / CPUID XF: CPUID. 2 MiB pages are 512 pages of 4 KiB. The shared flag
 *       is ignored, as igvmmeasure ignores it.
 *   <li>PARAMETER_INSERT: one UNMEASURED page at its GPA.
 *   <li>VP_CONTEXT: a VMSA page (the 4 KiB from the file) at the directive's GPA.
 *   <li>SNP_ID_BLOCK: its expected digest is compared with the result.
 * </ul>
 */
public final class IgvmMeasurer {
  private static final int PAGE = IgvmFile.PAGE_SIZE_4K;

  private IgvmMeasurer() {}

  /** Reads, parses and measures a file. */
  public static IgvmMeasurement measure(Path igvm, IgvmMeasureOptions options)
      throws MeasurementException {
    return measure(IgvmFile.read(igvm), options);
  }

  /**
   * Measures a parsed file.
   *
   * @throws IdBlockMismatchException if the file's SNP ID block expects another digest (unless
   *     {@link IgvmMeasureOptions#ignoreIdBlock()})
   * @throws MeasurementException if the file has no SEV-SNP platform, or fails a KVM check
   */
  public static IgvmMeasurement measure(IgvmFile file, IgvmMeasureOptions options)
      throws MeasurementException {
    SupportedPlatform snp =
        file.platform(IgvmTypes.PLATFORM_SEV_SNP)
            .orElseThrow(
                () ->
                    new MeasurementException(
                        "IGVM file is not compatible with SEV-SNP: it has no SEV-SNP SUPPORTED_PLATFORM header"));
    long mask = snp.compatibilityMask();
    byte[] data = file.data();
    SnpLaunchDigest ld = new SnpLaunchDigest();
    LaunchDigest idBlock = null;
    int vmsaCount = 0;

    for (IgvmHeader h : file.directives()) {
      if ((h.compatibilityMask() & mask) == 0) {
        continue;
      }
      if (h instanceof PageData p) {
        measurePageData(ld, p, data, options.nativeZero());
      } else if (h instanceof ParameterInsert p) {
        if (options.checkKvm() && vmsaCount > 0) {
          throw kvm(
              "the VMSA must be the last page directive, but a PARAMETER_INSERT at offset "
                  + p.offset()
                  + " follows it (QEMU/KVM measures the VMSA last)");
        }
        ld.updateUnmeasuredPages(p.gpa(), PAGE);
      } else if (h instanceof VpContext v) {
        if (v.platformType() != IgvmTypes.PLATFORM_SEV_SNP) {
          continue;
        }
        int off = (int) v.fileOffset();
        if (options.checkKvm()) {
          checkKvmVmsa(v, data, off, vmsaCount);
        }
        ld.updateVmsaPage(v.gpa(), data, off);
        vmsaCount++;
      } else if (h instanceof SnpIdBlock b) {
        idBlock = b.ld();
      }
    }

    LaunchDigest digest = LaunchDigest.of(ld.digest());
    if (idBlock != null && !options.ignoreIdBlock() && !idBlock.equals(digest)) {
      throw new IdBlockMismatchException(idBlock, digest);
    }
    return new IgvmMeasurement(digest, Optional.ofNullable(idBlock), ld.pagesMeasured(), vmsaCount);
  }

  private static void measurePageData(
      SnpLaunchDigest ld, PageData p, byte[] data, boolean nativeZero) {
    int size = p.pageSize();
    switch (p.dataType()) {
      case PageData.TYPE_NORMAL:
        if (p.unmeasured()) {
          ld.updateUnmeasuredPages(p.gpa(), size);
        } else if (!p.hasData()) {
          if (nativeZero) {
            ld.updateZeroPages(p.gpa(), size);
          } else {
            for (int off = 0; off < size; off += PAGE) {
              ld.updateNormalZeroFilledPage(p.gpa() + off);
            }
          }
        } else {
          ld.updateNormalPages(p.gpa(), data, (int) p.fileOffset(), size);
        }
        break;
      case PageData.TYPE_SECRETS:
        ld.updateContentlessPages(PageType.SECRETS, p.gpa(), size);
        break;
      case PageData.TYPE_CPUID_DATA:
      case PageData.TYPE_CPUID_XF:
        ld.updateContentlessPages(PageType.CPUID, p.gpa(), size);
        break;
      default:
        // The parser rejects other types.
        throw new IllegalStateException("page data type " + p.dataType());
    }
  }

  private static void checkKvmVmsa(VpContext v, byte[] data, int off, int vmsaCount)
      throws MeasurementException {
    if (vmsaCount > 0) {
      throw kvm("more than one VMSA: QEMU/KVM only sets the VMSA of the first vCPU");
    }
    if (v.gpa() != SnpLaunchDigest.VMSA_GPA) {
      throw kvm(
          "the VMSA GPA is 0x"
              + Long.toHexString(v.gpa())
              + ", but KVM always places it at 0xfffffffff000");
    }
    long cr0 = Le.u64(data, off + Vmsa.OFF_CR0);
    if (cr0 != 0x31 && cr0 != 0x30) {
      throw kvm(
          "CR0 in the VMSA is 0x"
              + Long.toHexString(cr0)
              + ", but KVM overrides it with 0x31 (protected mode) or 0x30 (real mode)");
    }
  }

  private static MeasurementException kvm(String what) {
    return new MeasurementException("KVM check failed: " + what);
  }
}
