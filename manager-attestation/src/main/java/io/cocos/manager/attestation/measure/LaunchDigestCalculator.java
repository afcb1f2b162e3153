package io.cocos.manager.attestation.measure;

import io.cocos.manager.attestation.measure.ovmf.FooterTable;
import io.cocos.manager.attestation.measure.ovmf.MetadataSection;
import io.cocos.manager.attestation.measure.ovmf.OvmfImage;
import io.cocos.manager.attestation.measure.ovmf.SectionType;
import io.cocos.manager.attestation.measure.snp.SevHashes;
import io.cocos.manager.attestation.measure.snp.SnpLaunchDigest;
import io.cocos.manager.attestation.measure.snp.Vmsa;
import io.cocos.manager.attestation.measure.util.BoundedFiles;
import io.cocos.manager.attestation.measure.util.Hashing;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Computes SEV, SEV-ES and SEV-SNP launch digests of OVMF (and COCONUT-SVSM) guests the way
 * virtee/sev-snp-measure 0.0.13 does. Stateless and thread-safe.
 */
public final class LaunchDigestCalculator {
  private static final int PAGE = SnpLaunchDigest.PAGE_SIZE;

  private LaunchDigestCalculator() {}

  /** The launch digest for a request. */
  public static LaunchDigest calculate(SnpMeasurementRequest r) throws MeasurementException {
    return calculateDetailed(r).digest();
  }

  /** The launch digest and, if requested, the measured VMSA pages. */
  public static MeasurementResult calculateDetailed(SnpMeasurementRequest r)
      throws MeasurementException {
    boolean needsVcpus =
        r.mode() == MeasurementMode.SNP
            || r.mode() == MeasurementMode.SNP_SVSM
            || r.mode() == MeasurementMode.SEV_ES;
    if (needsVcpus
        && (r.vcpus() == null || r.vcpus() < 1 || r.vcpus() > SnpMeasurementRequest.MAX_VCPUS)) {
      throw new MeasurementException(
          "--vcpus must be between 1 and "
              + SnpMeasurementRequest.MAX_VCPUS
              + " in guest mode '"
              + r.mode().cliName()
              + "'");
    }
    if (r.mode() == MeasurementMode.SNP_SVSM
        && (r.svsm() == null || (r.varsSize() == null && r.varsFile() == null))) {
      throw new MeasurementException(
          "snp:svsm mode requires --svsm and --vars-size or --vars-file");
    }
    List<byte[]> vmsas = new ArrayList<>();
    byte[] digest;
    switch (r.mode()) {
      case SNP_OVMF_HASH:
        digest = snpOvmfHash(r);
        break;
      case SNP:
        digest = snp(r, vmsas);
        break;
      case SNP_SVSM:
        digest = snpSvsm(r, vmsas);
        break;
      case SEV:
      case SEV_ES:
        digest = sevOrSevEs(r, vmsas);
        break;
      default:
        throw new MeasurementException("unknown mode " + r.mode());
    }
    return new MeasurementResult(LaunchDigest.of(digest), r.collectVmsas() ? vmsas : List.of());
  }

  // ---------------------------------------------------------------- SNP

  private static byte[] snpOvmfHash(SnpMeasurementRequest r) throws MeasurementException {
    OvmfImage ovmf = OvmfImage.read(r.ovmf(), "OVMF file");
    requirePageMultiple(ovmf);
    SnpLaunchDigest ld = new SnpLaunchDigest();
    ld.updateNormalPages(ovmf.gpa(), ovmf.data());
    return ld.digest();
  }

  private static byte[] snp(SnpMeasurementRequest r, List<byte[]> vmsas)
      throws MeasurementException {
    OvmfImage ovmf = OvmfImage.read(r.ovmf(), "OVMF file");
    SnpLaunchDigest ld;
    if (r.snpOvmfHash() != null) {
      ld = new SnpLaunchDigest(r.snpOvmfHash().bytes());
    } else {
      requirePageMultiple(ovmf);
      ld = new SnpLaunchDigest();
      ld.updateNormalPages(ovmf.gpa(), ovmf.data());
    }
    SevHashes hashes = r.kernel() == null ? null : sevHashes(r.kernel(), r.initrd(), r.append());
    updateMetadataPages(ld, ovmf, hashes, r.vmmType(), List.of(range(ovmf)));

    long sig = vcpuSigFor(r);
    Optional<Long> apEip = ovmf.sevEsResetEip();
    byte[] bsp = Vmsa.ovmf(Vmsa.BSP_EIP, r.guestFeatures(), sig, r.vmmType());
    byte[] ap = apVmsa(ovmf, apEip, r.vcpus(), r.guestFeatures(), sig, r.vmmType());
    for (int i = 0; i < r.vcpus(); i++) {
      byte[] page = i == 0 ? bsp : ap;
      ld.updateVmsaPage(page);
      collect(r, vmsas, page);
    }
    return ld.digest();
  }

  private static byte[] snpSvsm(SnpMeasurementRequest r, List<byte[]> vmsas)
      throws MeasurementException {
    OvmfImage ovmf = OvmfImage.read(r.ovmf(), "OVMF file");
    long varsSize =
        r.varsSize() != null ? r.varsSize() : BoundedFiles.size(r.varsFile(), "OVMF vars file");
    long svsmEnd = ovmf.gpa() - varsSize;
    if (varsSize < 0) {
      throw new MeasurementException("OVMF vars size must not be negative: " + varsSize);
    }
    if (svsmEnd < 0) {
      throw new MeasurementException(
          "OVMF vars size " + varsSize + " does not fit below the OVMF image");
    }
    OvmfImage svsm = OvmfImage.read(r.svsm(), "SVSM file", svsmEnd);
    requirePageMultiple(ovmf);
    requirePageMultiple(svsm);
    long rip = svsm.svsmEntryPoint();

    SnpLaunchDigest ld = new SnpLaunchDigest();
    ld.updateNormalPages(ovmf.gpa(), ovmf.data());
    ld.updateNormalPages(svsm.gpa(), svsm.data());
    // The SVSM's own metadata describes the launch; the OVMF's is ignored.
    updateMetadataPages(ld, svsm, null, VmmType.QEMU, List.of(range(ovmf), range(svsm)));

    byte[] page = Vmsa.svsm(rip, vcpuSigFor(r));
    for (int i = 0; i < r.vcpus(); i++) {
      ld.updateVmsaPage(page);
      collect(r, vmsas, page);
    }
    return ld.digest();
  }

  /**
   * Measures the pages the SEV metadata describes, in file order (for ec2, CPUID pages last).
   * Everything is checked before the first page is measured: known section types, page-multiple
   * sizes, a usable hashes page, and no two sections (or a section and a firmware image) covering
   * the same page, which the firmware would refuse and which bounds the work to the 4 GiB below the
   * metadata's 32-bit addresses.
   */
  static void updateMetadataPages(
      SnpLaunchDigest ld, OvmfImage fw, SevHashes hashes, VmmType vmm, List<long[]> images)
      throws MeasurementException {
    List<MetadataSection> sections = fw.metadata();
    byte[] hashesPage = null;
    if (hashes != null) {
      if (!fw.hasMetadataSection(SectionType.SNP_KERNEL_HASHES)) {
        throw new MeasurementException(
            "Kernel specified but OVMF metadata doesn't include SNP_KERNEL_HASHES section");
      }
      Optional<Long> tableGpa = fw.sevHashesTableGpa();
      if (tableGpa.isEmpty()) {
        throw new FirmwareFormatException(
            fw.name()
                + " has an SNP_KERNEL_HASHES section but no SEV hashes table entry ("
                + FooterTable.SEV_HASH_TABLE_RV_GUID
                + ") in its footer table");
      }
      int offsetInPage = (int) (tableGpa.get() & (PAGE - 1));
      if (offsetInPage > PAGE - SevHashes.PADDED_TABLE_SIZE) {
        throw new FirmwareFormatException(
            fw.name()
                + ": SEV hashes table GPA 0x"
                + Long.toHexString(tableGpa.get())
                + " leaves no room for the table in its page");
      }
      hashesPage = hashes.page(offsetInPage);
    }

    List<long[]> ranges = new ArrayList<>(images);
    for (MetadataSection s : sections) {
      SectionType type = s.type();
      if (type == null) {
        throw new FirmwareFormatException(
            fw.name()
                + ": unknown SEV metadata section type 0x"
                + Long.toHexString(s.rawType())
                + " in "
                + s);
      }
      long len;
      switch (type) {
        case SNP_SECRETS:
        case CPUID:
          len = PAGE;
          break;
        case SNP_KERNEL_HASHES:
          if (hashesPage != null && s.size() != PAGE) {
            throw new FirmwareFormatException(
                fw.name() + ": SNP_KERNEL_HASHES " + s + " must be exactly one page");
          }
          len = s.size();
          break;
        default:
          len = s.size();
          break;
      }
      if (len % PAGE != 0) {
        throw new FirmwareFormatException(
            fw.name() + ": size of " + s + " is not a multiple of 4096");
      }
      if (len > 0) {
        ranges.add(new long[] {s.gpa(), s.gpa() + len, s.index()});
      }
    }
    checkDisjoint(fw, ranges);

    for (MetadataSection s : sections) {
      switch (s.type()) {
        case SNP_SEC_MEM:
          if (vmm == VmmType.GCE) {
            ld.updateUnmeasuredPages(s.gpa(), s.size());
          } else {
            ld.updateZeroPages(s.gpa(), s.size());
          }
          break;
        case SNP_SECRETS:
          ld.updateSecretsPage(s.gpa());
          break;
        case CPUID:
          if (vmm != VmmType.EC2) {
            ld.updateCpuidPage(s.gpa());
          }
          break;
        case SVSM_CAA:
          ld.updateZeroPages(s.gpa(), s.size());
          break;
        case SNP_KERNEL_HASHES:
          if (hashesPage != null) {
            ld.updateNormalPages(s.gpa(), hashesPage);
          } else {
            ld.updateZeroPages(s.gpa(), s.size());
          }
          break;
        default:
          throw new IllegalStateException();
      }
    }
    if (vmm == VmmType.EC2) {
      for (MetadataSection s : sections) {
        if (s.type() == SectionType.CPUID) {
          ld.updateCpuidPage(s.gpa());
        }
      }
    }
  }

  /** ranges: {start, end, index} with index -1 for a firmware image. */
  private static void checkDisjoint(OvmfImage fw, List<long[]> ranges)
      throws FirmwareFormatException {
    ranges.sort(Comparator.comparingLong((long[] a) -> a[0]).thenComparingLong(a -> a[1]));
    for (int i = 1; i < ranges.size(); i++) {
      long[] prev = ranges.get(i - 1);
      long[] cur = ranges.get(i);
      if (cur[0] < prev[1]) {
        long[] first = cur[2] >= 0 ? cur : prev; // name a section first
        long[] second = first == cur ? prev : cur;
        throw new FirmwareFormatException(
            fw.name()
                + ": SEV metadata "
                + describe(fw, first)
                + " overlaps "
                + describe(fw, second));
      }
    }
  }

  private static String describe(OvmfImage fw, long[] range) {
    if (range[2] < 0) {
      return "the firmware image at 0x"
          + Long.toHexString(range[0])
          + "-0x"
          + Long.toHexString(range[1]);
    }
    return fw.metadata().get((int) range[2]).toString();
  }

  private static long[] range(OvmfImage image) {
    return new long[] {image.gpa(), image.gpa() + image.size(), -1};
  }

  // ---------------------------------------------------------------- SEV / SEV-ES

  private static byte[] sevOrSevEs(SnpMeasurementRequest r, List<byte[]> vmsas)
      throws MeasurementException {
    OvmfImage ovmf = OvmfImage.read(r.ovmf(), "OVMF file");
    MessageDigest sha = Hashing.sha256();
    sha.update(ovmf.data());
    if (r.kernel() != null) {
      if (!ovmf.isSevHashesTableSupported()) {
        throw new MeasurementException(
            "Kernel specified but OVMF doesn't support kernel/initrd/cmdline measurement");
      }
      sha.update(sevHashes(r.kernel(), r.initrd(), r.append()).table());
    }
    if (r.mode() == MeasurementMode.SEV_ES) {
      long sig = vcpuSigFor(r);
      Optional<Long> apEip = ovmf.sevEsResetEip();
      byte[] bsp = Vmsa.ovmf(Vmsa.BSP_EIP, 0, sig, r.vmmType());
      byte[] ap = apVmsa(ovmf, apEip, r.vcpus(), 0, sig, r.vmmType());
      for (int i = 0; i < r.vcpus(); i++) {
        byte[] page = i == 0 ? bsp : ap;
        sha.update(page);
        collect(r, vmsas, page);
      }
    }
    return sha.digest();
  }

  // ---------------------------------------------------------------- helpers

  /** SHA-256 of kernel, initrd (empty if none) and command line (UTF-8 plus a NUL). */
  public static SevHashes sevHashes(Path kernel, Path initrd, String append)
      throws MeasurementException {
    MessageDigest sha = Hashing.sha256();
    byte[] kernelHash = BoundedFiles.digest(kernel, sha, "kernel file");
    byte[] initrdHash =
        initrd == null ? sha.digest(new byte[0]) : BoundedFiles.digest(initrd, sha, "initrd file");
    byte[] text = append == null ? new byte[0] : append.getBytes(StandardCharsets.UTF_8);
    byte[] cmdline = new byte[text.length + 1];
    System.arraycopy(text, 0, cmdline, 0, text.length);
    byte[] cmdlineHash = sha.digest(cmdline);
    return new SevHashes(kernelHash, initrdHash, cmdlineHash);
  }

  private static byte[] apVmsa(
      OvmfImage ovmf, Optional<Long> apEip, int vcpus, long features, long sig, VmmType vmm)
      throws MeasurementException {
    if (apEip.isPresent() && apEip.get() != 0) {
      return Vmsa.ovmf(apEip.get(), features, sig, vmm);
    }
    if (vcpus > 1) {
      throw new FirmwareFormatException(
          ovmf.name()
              + " has no SEV-ES reset block ("
              + FooterTable.SEV_ES_RESET_BLOCK_GUID
              + "), so it cannot start more than 1 vCPU");
    }
    return null;
  }

  private static long vcpuSigFor(SnpMeasurementRequest r) throws MeasurementException {
    if (r.vcpuSig() != null) {
      return r.vcpuSig();
    }
    if (r.vmmType() == VmmType.QEMU) {
      throw new MeasurementException(
          "missing --vcpu-type or --vcpu-sig or --vcpu-family in guest mode '"
              + r.mode().cliName()
              + "'");
    }
    return 0; // ec2 and gce load a fixed RDX
  }

  private static void requirePageMultiple(OvmfImage image) throws FirmwareFormatException {
    if (image.size() % PAGE != 0) {
      throw new FirmwareFormatException(
          image.name()
              + " is "
              + image.size()
              + " bytes, not a multiple of the 4096-byte page size");
    }
  }

  private static void collect(SnpMeasurementRequest r, List<byte[]> vmsas, byte[] page) {
    if (r.collectVmsas()) {
      vmsas.add(page.clone());
    }
  }
}
