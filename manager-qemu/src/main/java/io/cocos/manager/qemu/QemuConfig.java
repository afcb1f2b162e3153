package io.cocos.manager.qemu;

import io.cocos.manager.core.config.ConfigException;
import io.cocos.manager.core.config.Env;
import io.cocos.manager.core.config.MemorySize;
import io.cocos.manager.core.vm.TeeKind;
import io.cocos.manager.qemu.args.PflashDrive;
import io.cocos.manager.qemu.args.QemuValues;
import io.cocos.manager.qemu.args.SevSnpGuest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The MANAGER_QEMU_* configuration: every variable of upstream's manager with upstream's default,
 * plus KERNEL_CMDLINE, ENABLE_VSOCK and STARTUP_GRACE (HOST_FWD_RANGE, VSOCK_GUEST_CID and
 * STOP_TIMEOUT are the lifecycle's: see LifecycleConfig). Values that do not parse stop
 * start-up with a {@link ConfigException} naming the variable; values that parse but look wrong for
 * this host (a TEE it lacks, a missing /dev/kvm) become {@link #warnings()} for the caller to log.
 *
 * <p>The TEE: an explicit ENABLE_SEV_SNP, ENABLE_TDX or ENABLE_SEV=true wins; otherwise SEV-SNP and
 * TDX are detected on the host unless set to false. Two TEEs at once is an error. The per-CVM values
 * (host port, guest CID, share directories) are not here: they come with each
 * {@link io.cocos.manager.core.vm.VmLaunchSpec}; HOST_FWD_AGENT, upstream's single port, is only
 * validated, and CERTS_MOUNT / ENV_MOUNT are ignored with a warning.
 *
 * @param cpu                 MANAGER_QEMU_CPU; when unset, "host" for TDX (the table's "host for
 *                            TDX": an EPYC model cannot back a TDX guest) and EPYC otherwise
 * @param ovmfVarsTemplate    the vars drive as configured; its file is copied per CVM, never used
 * @param hostData            SEV-SNP host data, present when ENABLE_HOST_DATA is true
 * @param sevSnpCbitPos       MANAGER_QEMU_SEV_SNP_CBITPOS (upstream's env file and README), or
 *                            MANAGER_QEMU_SEV_SNP_CBIT_POS (what upstream's code reads) when only
 *                            that one is set
 * @param startupGrace        how long a fresh QEMU must stay alive before a start counts as done
 */
public record QemuConfig(
    String binPath,
    boolean useSudo,
    boolean enableKvm,
    String machine,
    String cpu,
    int smpCount,
    int smpMaxCpus,
    String memoryId,
    MemorySize memorySize,
    int memorySlots,
    MemorySize maxMemory,
    PflashDrive ovmfCode,
    PflashDrive ovmfVarsTemplate,
    String ovmfVersion,
    String netdevId,
    int guestFwdAgent,
    String virtioNetDisableLegacy,
    boolean virtioNetIommuPlatform,
    String virtioNetAddr,
    String virtioNetRomfile,
    boolean enableVsock,
    String vsockId,
    String kernelFile,
    String rootfsFile,
    String kernelCommandLine,
    TeeKind tee,
    String sevSnpId,
    int sevSnpCbitPos,
    int sevSnpReducedPhysBits,
    Optional<String> hostData,
    String igvmId,
    String igvmFile,
    int sevCbitPos,
    String tdxId,
    int quoteGenerationPort,
    String tdxOvmfFile,
    boolean noGraphic,
    String monitor,
    Duration startupGrace,
    List<String> warnings) {

  public static final String PREFIX = "MANAGER_QEMU_";
  public static final String ENABLE_SEV_SNP = PREFIX + "ENABLE_SEV_SNP";
  public static final String ENABLE_TDX = PREFIX + "ENABLE_TDX";
  public static final String ENABLE_SEV = PREFIX + "ENABLE_SEV";

  private static final Pattern PCI_ADDRESS = Pattern.compile("(0x)?[0-9a-fA-F]{1,2}(\\.[0-7])?");
  private static final String PRINTABLE = "text without control characters";
  private static final String QEMU_ID = "a QEMU id: a letter followed by letters, digits, '-', '.' or '_'";

  public QemuConfig {
    warnings = List.copyOf(warnings);
  }

  /** Reads the configuration; {@code detected} decides SEV-SNP and TDX where they are unset. */
  public static QemuConfig fromEnv(Env env, HostTees detected) {
    List<String> warnings = new ArrayList<>();
    TeeKind tee = tee(env, detected, warnings);

    int smpMaxCpus = env.integer(var("SMP_MAXCPUS"), 64, 1, 4096);
    int smpCount = env.integer(var("SMP_COUNT"), 4, 1, 4096);
    if (smpCount > smpMaxCpus) {
      throw new ConfigException(var("SMP_COUNT"), String.valueOf(smpCount),
          "at most " + var("SMP_MAXCPUS") + " (" + smpMaxCpus + ")");
    }
    MemorySize memorySize = env.memorySize(var("MEMORY_SIZE"), "2048M");
    MemorySize maxMemory = env.memorySize(var("MAX_MEMORY"), "30G");
    if (maxMemory.bytes() < memorySize.bytes()) {
      throw new ConfigException(var("MAX_MEMORY"), maxMemory.text(),
          "at least " + var("MEMORY_SIZE") + " (" + memorySize + ")");
    }

    boolean enableKvm = env.bool(var("ENABLE_KVM"), true);
    if (enableKvm && !detected.kvmDevice()) {
      warnings.add(var("ENABLE_KVM") + "=true but /dev/kvm is missing: QEMU will fail to start CVMs; set "
          + var("ENABLE_KVM") + "=false to run them under TCG (slow)");
    }
    boolean enableVsock = env.bool(var("ENABLE_VSOCK"), true);
    if (enableVsock && !detected.vhostVsockDevice()) {
      warnings.add(var("ENABLE_VSOCK") + "=true but /dev/vhost-vsock is missing: QEMU will fail to start CVMs; set "
          + var("ENABLE_VSOCK") + "=false on this host");
    }

    String binPath = text(env, "BIN_PATH", "qemu-system-x86_64");
    if (!onPath(binPath, env.raw("PATH"))) {
      warnings.add(var("BIN_PATH") + "=" + binPath + " is not an executable file"
          + (binPath.contains("/") ? "" : " on PATH") + ": QEMU will fail to start CVMs");
    }

    // Upstream's one host port, replaced per CVM by one from HOST_FWD_RANGE; still a typo in it
    // must stop start-up as it does upstream.
    env.port(var("HOST_FWD_AGENT"), 7020);
    for (String ignored : List.of("CERTS_MOUNT", "ENV_MOUNT")) {
      env.raw(var(ignored)).ifPresent(v -> warnings.add(var(ignored) + " is ignored: the manager gives each CVM "
          + "its own share directory"));
    }

    boolean enableHostData = env.bool(var("ENABLE_HOST_DATA"), false);
    Optional<String> hostData = Optional.empty();
    if (enableHostData) {
      hostData = Optional.of(Env.parse(var("HOST_DATA"), env.string(var("HOST_DATA"), ""),
          "base64 of " + SevSnpGuest.HOST_DATA_BYTES + " bytes (" + var("ENABLE_HOST_DATA") + "=true)",
          SevSnpGuest::requireHostData));
      if (tee != TeeKind.SEV_SNP) {
        warnings.add(var("ENABLE_HOST_DATA") + "=true is ignored: host data is an SEV-SNP feature and the TEE is "
            + tee.wireName());
      }
    } else if (env.raw(var("HOST_DATA")).isPresent()) {
      warnings.add(var("HOST_DATA") + " is ignored while " + var("ENABLE_HOST_DATA") + " is false");
    }

    return new QemuConfig(
        binPath,
        env.bool(var("USE_SUDO"), false),
        enableKvm,
        text(env, "MACHINE", "q35"),
        text(env, "CPU", tee == TeeKind.TDX ? "host" : "EPYC"),
        smpCount,
        smpMaxCpus,
        id(env, "MEM_ID", "ram1"),
        memorySize,
        env.integer(var("MEMORY_SLOTS"), 5, 0, 256),
        maxMemory,
        new PflashDrive(driveInterface(env, "OVMF_CODE_IF"), id(env, "OVMF_CODE_FORMAT", "raw"),
            env.integer(var("OVMF_CODE_UNIT"), 0, 0, 255), text(env, "OVMF_CODE_FILE", "/usr/share/OVMF/OVMF_CODE.fd"),
            Optional.of(env.oneOf(var("OVMF_CODE_READONLY"), "on", "on", "off", "true", "false", "yes", "no"))),
        new PflashDrive(driveInterface(env, "OVMF_VARS_IF"), id(env, "OVMF_VARS_FORMAT", "raw"),
            env.integer(var("OVMF_VARS_UNIT"), 1, 0, 255), text(env, "OVMF_VARS_FILE", "/usr/share/OVMF/OVMF_VARS.fd"),
            Optional.empty()),
        env.string(var("OVMF_VERSION"), ""),
        id(env, "NETDEV_ID", "vmnic"),
        env.port(var("GUEST_FWD_AGENT"), 7002),
        env.oneOf(var("VIRTIO_NET_PCI_DISABLE_LEGACY"), "on", "on", "off", "auto"),
        env.bool(var("VIRTIO_NET_PCI_IOMMU_PLATFORM"), true),
        Env.parse(var("VIRTIO_NET_PCI_ADDR"), env.string(var("VIRTIO_NET_PCI_ADDR"), "0x2"),
            "a PCI slot such as 0x2 or 0x2.1", a -> {
              if (!PCI_ADDRESS.matcher(a).matches()) {
                throw new IllegalArgumentException("not a PCI address");
              }
              return a;
            }),
        text(env, "VIRTIO_NET_PCI_ROMFILE", ""),
        enableVsock,
        id(env, "VSOCK_ID", "vhost-vsock-pci0"),
        text(env, "DISK_IMG_KERNEL_FILE", "img/bzImage"),
        text(env, "DISK_IMG_ROOTFS_FILE", "img/rootfs.cpio.gz"),
        text(env, "KERNEL_CMDLINE", "quiet console=null"),
        tee,
        id(env, "SEV_SNP_ID", "sev0"),
        env.raw(var("SEV_SNP_CBITPOS")).isEmpty() && env.raw(var("SEV_SNP_CBIT_POS")).isPresent()
            ? env.integer(var("SEV_SNP_CBIT_POS"), 51, 1, 63)
            : env.integer(var("SEV_SNP_CBITPOS"), 51, 1, 63),
        env.integer(var("SEV_SNP_REDUCED_PHYS_BITS"), 1, 0, 63),
        hostData,
        id(env, "IGVM_ID", "igvm0"),
        text(env, "IGVM_FILE", "/root/coconut-qemu.igvm"),
        env.integer(var("SEV_CBITPOS"), 51, 1, 63),
        id(env, "TDX_ID", "tdx0"),
        env.port(var("QUOTE_GENERATION_PORT"), 4050),
        text(env, "OVMF_FILE", "/usr/share/ovmf/OVMF.fd"),
        env.bool(var("NO_GRAPHIC"), true),
        text(env, "MONITOR", "pty"),
        env.duration(var("STARTUP_GRACE"), Duration.ofSeconds(1)),
        warnings);
  }

  /** Whether the firmware comes from the two pflash drives (and so needs a per-CVM vars copy). */
  public boolean usesPflash() {
    return tee == TeeKind.NONE || tee == TeeKind.SEV;
  }

  private static TeeKind tee(Env env, HostTees detected, List<String> warnings) {
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
      throw new ConfigException(asked.get(1), "true", "false while " + asked.get(0) + "=true: a CVM runs in one TEE");
    }
    if (!asked.isEmpty()) {
      TeeKind kind = switch (asked.get(0)) {
        case ENABLE_SEV_SNP -> TeeKind.SEV_SNP;
        case ENABLE_TDX -> TeeKind.TDX;
        default -> TeeKind.SEV;
      };
      HostTees.Support support = switch (kind) {
        case SEV_SNP -> detected.sevSnp();
        case TDX -> detected.tdx();
        default -> detected.sev();
      };
      if (!support.available()) {
        warnings.add(asked.get(0) + "=true but this host has no " + name(kind) + " (" + support.evidence()
            + "): QEMU will fail to start CVMs");
      }
      return kind;
    }

    boolean snpDetected = snp.isEmpty() && detected.sevSnp().available();
    boolean tdxDetected = tdx.isEmpty() && detected.tdx().available();
    if (snpDetected && tdxDetected) {
      throw new ConfigException(ENABLE_SEV_SNP, "", "true or false: this host reports both SEV-SNP and TDX, so set "
          + ENABLE_SEV_SNP + " or " + ENABLE_TDX + " explicitly");
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

  private static String var(String suffix) {
    return PREFIX + suffix;
  }

  private static String text(Env env, String suffix, String defaultValue) {
    return Env.parse(var(suffix), env.string(var(suffix), defaultValue), PRINTABLE,
        v -> QemuValues.requirePrintable(v, var(suffix)));
  }

  private static String id(Env env, String suffix, String defaultValue) {
    return Env.parse(var(suffix), env.string(var(suffix), defaultValue), QEMU_ID,
        v -> QemuValues.requireId(v, var(suffix)));
  }

  private static String driveInterface(Env env, String suffix) {
    return env.oneOf(var(suffix), "pflash", "pflash", "ide", "scsi", "sd", "mtd", "floppy", "virtio", "none");
  }

  private static boolean onPath(String program, Optional<String> path) {
    if (program.contains("/")) {
      return Files.isExecutable(Path.of(program));
    }
    if (path.isEmpty()) {
      return true; // cannot tell; the start error will
    }
    for (String dir : path.get().split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }
}
