package io.cocos.manager.attestation.measure;

import io.cocos.manager.attestation.measure.ovmf.OvmfImage;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * What to measure, with sev-snp-measure's options. Build one with {@link #builder()}; {@link
 * Builder#build()} applies the same option checks as sev-snp-measure's command line and resolves
 * the vCPU signature. Nullable components mean "option not given".
 *
 * @param mode {@code --mode}
 * @param ovmf {@code --ovmf}: the firmware image (for {@code snp:svsm}, the OVMF that runs under
 *     the SVSM)
 * @param vcpus {@code --vcpus} (null for {@code sev} and {@code snp:ovmf-hash}, where it is unused)
 * @param vcpuSig the vCPU signature resolved from {@code --vcpu-family/-model/-stepping}, {@code
 *     --vcpu-sig} or {@code --vcpu-type} (in that order of precedence), or null if none was given;
 *     QEMU guests with VMSAs need one, ec2 and gce guests do not
 * @param vmmType {@code --vmm-type}
 * @param kernel {@code --kernel}, enables measured direct boot (kernel/initrd/cmdline hashes)
 * @param initrd {@code --initrd} (hashed as empty input when null)
 * @param append {@code --append}, the kernel command line
 * @param guestFeatures {@code --guest-features}: SEV_FEATURES of SNP VMSAs (default 0x1)
 * @param snpOvmfHash {@code --snp-ovmf-hash}: precomputed digest of the OVMF pages
 * @param svsm {@code --svsm}: the COCONUT-SVSM binary ({@code snp:svsm} only)
 * @param varsSize the OVMF vars size for {@code snp:svsm}, from {@code --vars-size} or the size of
 *     {@code --vars-file} (see {@link #varsFile})
 * @param varsFile {@code --vars-file}, whose size is read at measurement time when {@code varsSize}
 *     is null
 * @param collectVmsas keep the measured VMSA pages in the result (like {@code --dump-vmsa})
 */
public record SnpMeasurementRequest(
    MeasurementMode mode,
    Path ovmf,
    Integer vcpus,
    Long vcpuSig,
    VmmType vmmType,
    Path kernel,
    Path initrd,
    String append,
    long guestFeatures,
    LaunchDigest snpOvmfHash,
    Path svsm,
    Long varsSize,
    Path varsFile,
    boolean collectVmsas) {

  /** sev-snp-measure's default {@code --guest-features}: SNPActive only. */
  public static final long DEFAULT_GUEST_FEATURES = 0x1;

  /** Upper bound of {@code --vcpus} (KVM's maximum vCPU count). */
  public static final int MAX_VCPUS = 4096;

  public SnpMeasurementRequest {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(ovmf, "ovmf");
    Objects.requireNonNull(vmmType, "vmmType");
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Parses an integer the way Python's {@code int(s, 0)} does (sev-snp-measure's {@code --vcpu-sig}
   * and {@code --guest-features}): decimal, or 0x/0o/0b prefixed; underscores allowed between
   * digits. The result must fit in 64 bits (as an unsigned value).
   */
  public static long parseAutoBase(String option, String s) throws MeasurementException {
    if (s == null) {
      throw new MeasurementException(option + ": missing value");
    }
    String t = s.strip().replace("_", "");
    boolean negative = false;
    if (t.startsWith("-") || t.startsWith("+")) {
      negative = t.startsWith("-");
      t = t.substring(1);
    }
    int radix = 10;
    String lower = t.toLowerCase(Locale.ROOT);
    if (lower.startsWith("0x")) {
      radix = 16;
      t = t.substring(2);
    } else if (lower.startsWith("0o")) {
      radix = 8;
      t = t.substring(2);
    } else if (lower.startsWith("0b")) {
      radix = 2;
      t = t.substring(2);
    } else if (t.length() > 1 && t.chars().allMatch(c -> c == '0')) {
      t = "0";
    } else if (t.length() > 1 && t.startsWith("0")) {
      throw new MeasurementException(option + ": invalid integer '" + s + "' (leading zeros)");
    }
    try {
      if (t.isEmpty() || negative) {
        throw new NumberFormatException();
      }
      return Long.parseUnsignedLong(t, radix);
    } catch (NumberFormatException e) {
      throw new MeasurementException(option + ": invalid non-negative 64-bit integer '" + s + "'");
    }
  }

  /** Collects options; {@link #build()} checks them. Setters accept null for "not given". */
  public static final class Builder {
    private MeasurementMode mode;
    private String modeName;
    private Path ovmf;
    private Integer vcpus;
    private String vcpuType;
    private Long vcpuSig;
    private Integer vcpuFamily;
    private Integer vcpuModel;
    private Integer vcpuStepping;
    private VmmType vmmType;
    private String vmmTypeName;
    private Path kernel;
    private Path initrd;
    private String append;
    private long guestFeatures = DEFAULT_GUEST_FEATURES;
    private String snpOvmfHash;
    private Path svsm;
    private Long varsSize;
    private Path varsFile;
    private boolean collectVmsas;

    private Builder() {}

    public Builder mode(MeasurementMode mode) {
      this.mode = mode;
      this.modeName = null;
      return this;
    }

    /** {@code --mode} as text (sev, seves, snp, snp:ovmf-hash, snp:svsm). */
    public Builder mode(String mode) {
      this.modeName = mode;
      this.mode = null;
      return this;
    }

    public Builder ovmf(Path ovmf) {
      this.ovmf = ovmf;
      return this;
    }

    public Builder vcpus(Integer vcpus) {
      this.vcpus = vcpus;
      return this;
    }

    /** {@code --vcpu-type}, e.g. EPYC-v4, EPYC-Milan (see {@link VcpuTypes#all()}). */
    public Builder vcpuType(String vcpuType) {
      this.vcpuType = vcpuType;
      return this;
    }

    /** {@code --vcpu-sig}: CPUID 1 EAX. */
    public Builder vcpuSig(Long vcpuSig) {
      this.vcpuSig = vcpuSig;
      return this;
    }

    /** {@code --vcpu-family} (the model and stepping must be given too). */
    public Builder vcpuFamily(Integer family) {
      this.vcpuFamily = family;
      return this;
    }

    public Builder vcpuModel(Integer model) {
      this.vcpuModel = model;
      return this;
    }

    public Builder vcpuStepping(Integer stepping) {
      this.vcpuStepping = stepping;
      return this;
    }

    public Builder vmmType(VmmType vmmType) {
      this.vmmType = vmmType;
      this.vmmTypeName = null;
      return this;
    }

    /** {@code --vmm-type} as text (QEMU, ec2, gce). */
    public Builder vmmType(String vmmType) {
      this.vmmTypeName = vmmType;
      this.vmmType = null;
      return this;
    }

    public Builder kernel(Path kernel) {
      this.kernel = kernel;
      return this;
    }

    public Builder initrd(Path initrd) {
      this.initrd = initrd;
      return this;
    }

    public Builder append(String append) {
      this.append = append;
      return this;
    }

    public Builder guestFeatures(long guestFeatures) {
      this.guestFeatures = guestFeatures;
      return this;
    }

    /** {@code --snp-ovmf-hash}: 96 hex digits. */
    public Builder snpOvmfHash(String hex) {
      this.snpOvmfHash = hex;
      return this;
    }

    public Builder svsm(Path svsm) {
      this.svsm = svsm;
      return this;
    }

    public Builder varsSize(Long varsSize) {
      this.varsSize = varsSize;
      return this;
    }

    public Builder varsFile(Path varsFile) {
      this.varsFile = varsFile;
      return this;
    }

    public Builder collectVmsas(boolean collectVmsas) {
      this.collectVmsas = collectVmsas;
      return this;
    }

    /** Checks the options as sev-snp-measure's command line does. */
    public SnpMeasurementRequest build() throws MeasurementException {
      MeasurementMode m =
          mode != null ? mode : modeName != null ? MeasurementMode.fromCli(modeName) : null;
      if (m == null) {
        throw new MeasurementException("--mode is required");
      }
      if (ovmf == null) {
        throw new MeasurementException("--ovmf is required");
      }
      VmmType vmm =
          vmmType != null
              ? vmmType
              : vmmTypeName != null ? VmmType.fromCli(vmmTypeName) : VmmType.QEMU;
      if (m == MeasurementMode.SNP_OVMF_HASH) {
        // Like the reference: this mode only looks at --ovmf.
        return new SnpMeasurementRequest(
            m,
            ovmf,
            null,
            null,
            vmm,
            null,
            null,
            null,
            guestFeatures,
            null,
            null,
            null,
            null,
            false);
      }
      if (initrd != null && kernel == null) {
        throw new MeasurementException("--kernel required when using --initrd");
      }
      if (append != null && !append.isEmpty() && kernel == null) {
        throw new MeasurementException("--kernel required when using --append");
      }
      Integer n = null;
      if (m != MeasurementMode.SEV) {
        if (vcpus == null) {
          throw new MeasurementException("missing --vcpus N in guest mode '" + m.cliName() + "'");
        }
        if (vcpus < 1 || vcpus > MAX_VCPUS) {
          throw new MeasurementException(
              "--vcpus must be between 1 and " + MAX_VCPUS + ", not " + vcpus);
        }
        n = vcpus;
      }
      Long sig = m == MeasurementMode.SEV ? Long.valueOf(0) : resolveVcpuSig();
      LaunchDigest ovmfHash = null;
      if (snpOvmfHash != null && !snpOvmfHash.isEmpty()) {
        if (m != MeasurementMode.SNP) {
          throw new MeasurementException("--snp-ovmf-hash only works with --mode snp");
        }
        ovmfHash = LaunchDigest.fromHex(snpOvmfHash);
        if (ovmfHash.length() != 48) {
          throw new MeasurementException(
              "--snp-ovmf-hash must be 48 bytes (96 hex digits), not "
                  + ovmfHash.length()
                  + " bytes");
        }
      }
      Long vars = null;
      Path varsPath = null;
      Path svsmPath = null;
      if (m == MeasurementMode.SNP_SVSM) {
        if (vmm != VmmType.QEMU) {
          throw new MeasurementException("snp:svsm mode is only implemented for QEMU");
        }
        if (svsm == null) {
          throw new MeasurementException("snp:svsm mode requires --svsm");
        }
        if (varsSize != null && varsFile != null) {
          throw new MeasurementException("--vars-size conflicts with --vars-file");
        }
        if (varsSize == null && varsFile == null) {
          throw new MeasurementException("snp:svsm mode requires --vars-size or --vars-file");
        }
        if (varsSize != null && (varsSize < 0 || varsSize > OvmfImage.MAX_IMAGE_SIZE)) {
          throw new MeasurementException("--vars-size out of range: " + varsSize);
        }
        svsmPath = svsm;
        vars = varsSize;
        varsPath = varsFile;
      }
      return new SnpMeasurementRequest(
          m,
          ovmf,
          n,
          sig,
          vmm,
          kernel,
          kernel == null ? null : initrd,
          kernel == null ? null : append,
          guestFeatures,
          ovmfHash,
          svsmPath,
          vars,
          varsPath,
          collectVmsas);
    }

    private Long resolveVcpuSig() throws MeasurementException {
      if (vcpuFamily != null) {
        if (vcpuModel == null || vcpuStepping == null) {
          throw new MeasurementException("--vcpu-family requires --vcpu-model and --vcpu-stepping");
        }
        if (vcpuFamily < 0 || vcpuFamily > 0xF + 0xFF) {
          throw new MeasurementException("--vcpu-family out of range (0..270): " + vcpuFamily);
        }
        if (vcpuModel < 0 || vcpuModel > 0xFF) {
          throw new MeasurementException("--vcpu-model out of range (0..255): " + vcpuModel);
        }
        if (vcpuStepping < 0 || vcpuStepping > 0xF) {
          throw new MeasurementException("--vcpu-stepping out of range (0..15): " + vcpuStepping);
        }
        return (long) VcpuTypes.cpuSig(vcpuFamily, vcpuModel, vcpuStepping);
      }
      if (vcpuSig != null) {
        if (vcpuSig < 0 || vcpuSig > 0xFFFF_FFFFL) {
          throw new MeasurementException(
              "--vcpu-sig must fit in 32 bits: 0x" + Long.toHexString(vcpuSig));
        }
        return vcpuSig;
      }
      if (vcpuType != null) {
        return (long) VcpuTypes.forName(vcpuType);
      }
      return null;
    }
  }
}
