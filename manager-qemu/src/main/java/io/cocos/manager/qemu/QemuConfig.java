package io.cocos.manager.qemu;

import io.cocos.manager.core.config.ConfigException;
import io.cocos.manager.core.config.Env;
import io.cocos.manager.core.config.GoDuration;
import io.cocos.manager.core.config.MemorySize;
import io.cocos.manager.core.vm.TeeKind;
import io.cocos.manager.qemu.args.Bios;
import io.cocos.manager.qemu.args.Cpu;
import io.cocos.manager.qemu.args.Flag;
import io.cocos.manager.qemu.args.FwCfgString;
import io.cocos.manager.qemu.args.IgvmCfg;
import io.cocos.manager.qemu.args.ImageDrive;
import io.cocos.manager.qemu.args.KernelBoot;
import io.cocos.manager.qemu.args.Machine;
import io.cocos.manager.qemu.args.Memory;
import io.cocos.manager.qemu.args.MemoryBackendMemfd;
import io.cocos.manager.qemu.args.Monitor;
import io.cocos.manager.qemu.args.PcieRootPort;
import io.cocos.manager.qemu.args.PflashDrive;
import io.cocos.manager.qemu.args.QemuOption;
import io.cocos.manager.qemu.args.QemuValues;
import io.cocos.manager.qemu.args.ScsiHd;
import io.cocos.manager.qemu.args.SevGuest;
import io.cocos.manager.qemu.args.SevMachine;
import io.cocos.manager.qemu.args.SevSnpGuest;
import io.cocos.manager.qemu.args.SevSnpMachine;
import io.cocos.manager.qemu.args.Smp;
import io.cocos.manager.qemu.args.TdxGuest;
import io.cocos.manager.qemu.args.TdxMachine;
import io.cocos.manager.qemu.args.UserNetdev;
import io.cocos.manager.qemu.args.VfioPci;
import io.cocos.manager.qemu.args.VhostVsockPci;
import io.cocos.manager.qemu.args.VirtioNetPci;
import io.cocos.manager.qemu.args.VirtioScsiPci;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The MANAGER_QEMU_* configuration: every variable of upstream's manager with upstream's default,
 * plus KERNEL_CMDLINE, ENABLE_VSOCK, DISK_CLONE, STARTUP_GRACE, STARTUP_TIMEOUT and
 * POWERDOWN_TIMEOUT (HOST_FWD_RANGE, VSOCK_GUEST_CID and STOP_TIMEOUT are the lifecycle's: see
 * LifecycleConfig), grouped by concern. Each group knows the typed QEMU options (args/) it becomes;
 * {@link QemuCommandLine} only puts them in upstream's order and adds the per-CVM values.
 *
 * <p>Values that do not parse stop start-up with a {@link ConfigException} naming the variable;
 * values that parse but look wrong for this host (a TEE it lacks, a missing /dev/kvm) become {@link
 * #warnings()} for the caller to log.
 *
 * <p>The TEE: an explicit ENABLE_SEV_SNP, ENABLE_TDX or ENABLE_SEV=true wins; otherwise SEV-SNP and
 * TDX are detected on the host unless set to false. Two TEEs at once is an error. The per-CVM
 * values (host port, guest CID, share directories, the boot disk) are not here: they come with each
 * {@link io.cocos.manager.core.vm.VmLaunchSpec}; HOST_FWD_AGENT, upstream's single port, is only
 * validated, and CERTS_MOUNT / ENV_MOUNT / DST_DISK_FILE are ignored with a warning.
 */
public record QemuConfig(
    Launch launch,
    Processor processor,
    MemoryLayout memory,
    Firmware firmware,
    Network network,
    Vsock vsock,
    Boot boot,
    Optional<Gpu> gpu,
    TeeKind tee,
    SevSnp sevSnp,
    Tdx tdx,
    Sev sev,
    Display display,
    List<String> warnings) {

  public static final String PREFIX = "MANAGER_QEMU_";
  public static final String ENABLE_SEV_SNP = PREFIX + "ENABLE_SEV_SNP";
  public static final String ENABLE_TDX = PREFIX + "ENABLE_TDX";
  public static final String ENABLE_SEV = PREFIX + "ENABLE_SEV";

  private static final Pattern PCI_ADDRESS = Pattern.compile("(0x)?[0-9a-fA-F]{1,2}(\\.[0-7])?");
  private static final String PRINTABLE = "text without control characters";
  private static final String QEMU_ID =
      "a QEMU id: a letter followed by letters, digits, '-', '.' or '_'";

  public QemuConfig {
    warnings = List.copyOf(warnings);
  }

  /**
   * How QEMU is run.
   *
   * @param startupGrace how long a fresh QEMU must, in addition, stay alive once ready before a
   *     start counts as done: 0 by default; with USE_SUDO (whose root-owned QMP socket the manager
   *     cannot use) the only readiness check, 1s by default
   * @param startupTimeout how long a fresh QEMU has to answer QMP's query-status
   * @param powerdownTimeout how long RemoveVm waits for the guest to power off (ACPI) before it
   *     tells QEMU to quit
   */
  public record Launch(
      String binPath,
      boolean useSudo,
      boolean enableKvm,
      Duration startupGrace,
      Duration startupTimeout,
      Duration powerdownTimeout) {
    /** The program part of the command: [sudo -n] QEMU. */
    List<String> program() {
      // -n: QEMU runs without a terminal, so sudo could never ask for a password; fail at once
      // with sudo's own message instead of trying.
      return useSudo ? List.of("sudo", "-n", binPath) : List.of(binPath);
    }

    List<QemuOption> options() {
      return enableKvm ? List.of(Flag.ENABLE_KVM) : List.of();
    }
  }

  /**
   * Machine type and vCPUs.
   *
   * @param cpu MANAGER_QEMU_CPU; when unset, "host" for TDX (an EPYC model cannot back a TDX guest)
   *     and EPYC otherwise
   */
  public record Processor(String machine, String cpu, int smpCount, int smpMaxCpus) {
    List<QemuOption> options() {
      return List.of(new Machine(machine), new Cpu(cpu), new Smp(smpCount, smpMaxCpus));
    }
  }

  /** Guest RAM; {@code id} names the memfd backend SEV-SNP and TDX put it in. */
  public record MemoryLayout(String id, MemorySize size, int slots, MemorySize max) {
    QemuOption option() {
      return new Memory(size, slots, max);
    }

    QemuOption privateBackend() {
      return new MemoryBackendMemfd(id, size);
    }
  }

  /**
   * OVMF from two pflash drives (plain and legacy SEV); {@code varsTemplate}'s file is copied per
   * CVM, never used itself. {@code version} is only reported.
   */
  public record Firmware(PflashDrive code, PflashDrive varsTemplate, String version) {
    List<QemuOption> drives(Path varsCopy) {
      return List.of(code, varsTemplate.withFile(varsCopy.toString()));
    }
  }

  /** The user-mode network forwarding each CVM's host port to the agent's guest port. */
  public record Network(
      String netdevId,
      int guestFwdAgent,
      String virtioDisableLegacy,
      boolean virtioIommuPlatform,
      String virtioAddr,
      String virtioRomfile) {
    List<QemuOption> options(String cvmId, int hostPort) {
      String id = netdevId + "-" + cvmId;
      return List.of(
          new UserNetdev(id, hostPort, guestFwdAgent),
          new VirtioNetPci(
              id, virtioDisableLegacy, virtioIommuPlatform, virtioAddr, virtioRomfile));
    }
  }

  /** The vhost-vsock device (needs /dev/vhost-vsock on the host); off by default as upstream. */
  public record Vsock(boolean enabled, String id) {
    List<QemuOption> options(int guestCid) {
      return enabled ? List.of(new VhostVsockPci(id, guestCid)) : List.of();
    }
  }

  /** How the guest boots: a kernel and initramfs handed to QEMU, or a disk image with its own. */
  public sealed interface Boot permits KernelImages, DiskImage {
    /** What CVMInfo reports as the kernel command line; a disk carries its own, unknown here. */
    String kernelCommandLine();
  }

  /** -kernel, -append, -initrd: upstream's default boot. */
  public record KernelImages(String kernelFile, String rootfsFile, String kernelCommandLine)
      implements Boot {
    /** {@code commandLine}: the configured one, plus what the CVM's launch spec adds. */
    QemuOption option(String commandLine) {
      return new KernelBoot(kernelFile, commandLine, rootfsFile);
    }
  }

  /**
   * Disk boot (MANAGER_QEMU_ENABLE_DISK): each CVM boots its own disk made from {@code sourceFile}
   * (qcow2, never written) in {@code format}, by {@code cloning}.
   */
  public record DiskImage(
      String sourceFile, String format, String id, String scsiId, DiskClone cloning)
      implements Boot {
    @Override
    public String kernelCommandLine() {
      return "";
    }

    List<QemuOption> options(Path cvmDisk) {
      VirtioScsiPci controller = new VirtioScsiPci(scsiId);
      return List.of(
          new ImageDrive(cvmDisk.toString(), id, format),
          controller,
          new ScsiHd(id, controller.firstBus()));
    }
  }

  /**
   * A GPU passed through with VFIO, behind a PCIe root port of its own, with a large MMIO window.
   */
  public record Gpu(String bdf, String rootPort, String bus, long fwCfgMmioMb) {
    List<QemuOption> options() {
      return List.of(
          new PcieRootPort(rootPort, bus),
          new VfioPci(bdf, rootPort),
          FwCfgString.pciMmio64Mb(fwCfgMmioMb));
    }
  }

  /**
   * SEV-SNP with IGVM.
   *
   * @param cbitPos MANAGER_QEMU_SEV_SNP_CBITPOS (upstream's env file and README), or
   *     MANAGER_QEMU_SEV_SNP_CBIT_POS (what upstream's code reads) when only that one is set
   * @param hostData present when ENABLE_HOST_DATA is true
   */
  public record SevSnp(
      String id,
      int cbitPos,
      int reducedPhysBits,
      Optional<String> hostData,
      String igvmId,
      String igvmFile) {
    List<QemuOption> options(String cvmId, MemoryLayout memory) {
      String snpId = id + "-" + cvmId;
      return List.of(
          new SevSnpMachine(snpId, memory.id(), igvmId),
          memory.privateBackend(),
          new SevSnpGuest(snpId, cbitPos, reducedPhysBits, hostData),
          new IgvmCfg(igvmId, igvmFile));
    }
  }

  /** TDX: OVMF through -bios, the quote generation service on the host's vsock port. */
  public record Tdx(String id, int quoteGenerationPort, String ovmfFile) {
    List<QemuOption> options(String cvmId, MemoryLayout memory) {
      String tdxId = id + "-" + cvmId;
      return List.of(
          new TdxGuest(tdxId, quoteGenerationPort),
          new TdxMachine(tdxId, memory.id()),
          memory.privateBackend(),
          new Bios(ovmfFile),
          Flag.NO_DEFAULTS);
    }
  }

  /**
   * Legacy SEV (seed 000): its id and reduced-phys-bits are SEV-SNP's variables, its C-bit its own.
   */
  public record Sev(String id, int cbitPos, int reducedPhysBits) {
    List<QemuOption> options(String cvmId) {
      String sevId = id + "-" + cvmId;
      return List.of(new SevMachine(sevId), new SevGuest(sevId, cbitPos, reducedPhysBits));
    }
  }

  /** Display and monitor. */
  public record Display(boolean noGraphic, String monitor) {
    List<QemuOption> options() {
      List<QemuOption> options = new ArrayList<>();
      if (noGraphic) {
        options.add(Flag.NO_GRAPHIC);
      }
      options.add(new Monitor(monitor));
      return options;
    }
  }

  /** How a CVM's boot disk is made from the source image (MANAGER_QEMU_DISK_CLONE). */
  public enum DiskClone {
    /** A qcow2 overlay backed by the read-only source: milliseconds at any size. */
    OVERLAY,
    /** Upstream's way: a full copy (qemu-img convert), grown by 1 GiB; grows with the image. */
    COPY
  }

  /**
   * Reads the configuration; {@code detected} decides SEV-SNP and TDX where they are unset, {@code
   * gpus} the GPU.
   */
  public static QemuConfig fromEnv(Env env, HostTees detected, VfioGpus gpus) {
    List<String> warnings = new ArrayList<>();
    TeeKind tee = tee(env, detected, warnings);

    boolean enableKvm = env.bool(var("ENABLE_KVM"), true);
    if (enableKvm && !detected.kvmDevice()) {
      warnings.add(
          var("ENABLE_KVM")
              + "=true but /dev/kvm is missing: QEMU will fail to start CVMs; set "
              + var("ENABLE_KVM")
              + "=false to run them under TCG (slow)");
    }
    String binPath = text(env, "BIN_PATH", "qemu-system-x86_64");
    if (!onPath(binPath, env.raw("PATH"))) {
      warnings.add(
          var("BIN_PATH")
              + "="
              + binPath
              + " is not an executable file"
              + (binPath.contains("/") ? "" : " on PATH")
              + ": QEMU will fail to start CVMs");
    }
    boolean useSudo = env.bool(var("USE_SUDO"), false);
    Duration startupTimeout = env.duration(var("STARTUP_TIMEOUT"), Duration.ofSeconds(30));
    if (startupTimeout.isZero() || startupTimeout.isNegative()) {
      throw new ConfigException(
          var("STARTUP_TIMEOUT"), GoDuration.format(startupTimeout), "a positive duration");
    }
    Duration startupGrace =
        env.duration(var("STARTUP_GRACE"), useSudo ? Duration.ofSeconds(1) : Duration.ZERO);
    Duration powerdownTimeout = env.duration(var("POWERDOWN_TIMEOUT"), Duration.ofSeconds(10));
    for (String name : List.of("STARTUP_GRACE", "POWERDOWN_TIMEOUT")) {
      Duration d = name.equals("STARTUP_GRACE") ? startupGrace : powerdownTimeout;
      if (d.isNegative()) {
        throw new ConfigException(var(name), GoDuration.format(d), "a duration of 0 or more");
      }
    }
    Launch launch =
        new Launch(binPath, useSudo, enableKvm, startupGrace, startupTimeout, powerdownTimeout);

    int smpMaxCpus = env.integer(var("SMP_MAXCPUS"), 64, 1, 4096);
    int smpCount = env.integer(var("SMP_COUNT"), 4, 1, 4096);
    if (smpCount > smpMaxCpus) {
      throw new ConfigException(
          var("SMP_COUNT"),
          String.valueOf(smpCount),
          "at most " + var("SMP_MAXCPUS") + " (" + smpMaxCpus + ")");
    }
    Processor processor =
        new Processor(
            text(env, "MACHINE", "q35"),
            text(env, "CPU", tee == TeeKind.TDX ? "host" : "EPYC"),
            smpCount,
            smpMaxCpus);

    MemorySize memorySize = env.memorySize(var("MEMORY_SIZE"), "2048M");
    MemorySize maxMemory = env.memorySize(var("MAX_MEMORY"), "30G");
    if (maxMemory.bytes() < memorySize.bytes()) {
      throw new ConfigException(
          var("MAX_MEMORY"),
          maxMemory.text(),
          "at least " + var("MEMORY_SIZE") + " (" + memorySize + ")");
    }
    MemoryLayout memory =
        new MemoryLayout(
            id(env, "MEM_ID", "ram1"),
            memorySize,
            env.integer(var("MEMORY_SLOTS"), 5, 0, 256),
            maxMemory);

    Firmware firmware =
        new Firmware(
            new PflashDrive(
                driveInterface(env, "OVMF_CODE_IF"),
                id(env, "OVMF_CODE_FORMAT", "raw"),
                env.integer(var("OVMF_CODE_UNIT"), 0, 0, 255),
                text(env, "OVMF_CODE_FILE", "/usr/share/OVMF/OVMF_CODE.fd"),
                Optional.of(
                    env.oneOf(
                        var("OVMF_CODE_READONLY"),
                        "on",
                        "on",
                        "off",
                        "true",
                        "false",
                        "yes",
                        "no"))),
            new PflashDrive(
                driveInterface(env, "OVMF_VARS_IF"),
                id(env, "OVMF_VARS_FORMAT", "raw"),
                env.integer(var("OVMF_VARS_UNIT"), 1, 0, 255),
                text(env, "OVMF_VARS_FILE", "/usr/share/OVMF/OVMF_VARS.fd"),
                Optional.empty()),
            env.string(var("OVMF_VERSION"), ""));

    // Upstream's one host port, replaced per CVM by one from HOST_FWD_RANGE; still a typo in it
    // must stop start-up as it does upstream.
    env.port(var("HOST_FWD_AGENT"), 7020);
    for (String ignored : List.of("CERTS_MOUNT", "ENV_MOUNT")) {
      env.raw(var(ignored))
          .ifPresent(
              v ->
                  warnings.add(
                      var(ignored)
                          + " is ignored: the manager gives each CVM "
                          + "its own share directory"));
    }
    Network network =
        new Network(
            id(env, "NETDEV_ID", "vmnic"),
            env.port(var("GUEST_FWD_AGENT"), 7002),
            env.oneOf(var("VIRTIO_NET_PCI_DISABLE_LEGACY"), "on", "on", "off", "auto"),
            env.bool(var("VIRTIO_NET_PCI_IOMMU_PLATFORM"), true),
            Env.parse(
                var("VIRTIO_NET_PCI_ADDR"),
                env.string(var("VIRTIO_NET_PCI_ADDR"), "0x2"),
                "a PCI slot such as 0x2 or 0x2.1",
                a -> {
                  if (!PCI_ADDRESS.matcher(a).matches()) {
                    throw new IllegalArgumentException("not a PCI address");
                  }
                  return a;
                }),
            text(env, "VIRTIO_NET_PCI_ROMFILE", ""));

    Vsock vsock = vsock(env, detected, warnings);
    Boot boot = boot(env, warnings);
    Optional<Gpu> gpu = gpu(env, gpus);

    boolean enableHostData = env.bool(var("ENABLE_HOST_DATA"), false);
    Optional<String> hostData = Optional.empty();
    if (enableHostData) {
      hostData =
          Optional.of(
              Env.parse(
                  var("HOST_DATA"),
                  env.string(var("HOST_DATA"), ""),
                  "base64 of "
                      + SevSnpGuest.HOST_DATA_BYTES
                      + " bytes ("
                      + var("ENABLE_HOST_DATA")
                      + "=true)",
                  SevSnpGuest::requireHostData));
      if (tee != TeeKind.SEV_SNP) {
        warnings.add(
            var("ENABLE_HOST_DATA")
                + "=true is ignored: host data is an SEV-SNP feature and the TEE is "
                + tee.wireName());
      }
    } else if (env.raw(var("HOST_DATA")).isPresent()) {
      warnings.add(var("HOST_DATA") + " is ignored while " + var("ENABLE_HOST_DATA") + " is false");
    }
    String sevSnpId = id(env, "SEV_SNP_ID", "sev0");
    int reducedPhysBits = env.integer(var("SEV_SNP_REDUCED_PHYS_BITS"), 1, 0, 63);
    SevSnp sevSnp =
        new SevSnp(
            sevSnpId,
            env.raw(var("SEV_SNP_CBITPOS")).isEmpty()
                    && env.raw(var("SEV_SNP_CBIT_POS")).isPresent()
                ? env.integer(var("SEV_SNP_CBIT_POS"), 51, 1, 63)
                : env.integer(var("SEV_SNP_CBITPOS"), 51, 1, 63),
            reducedPhysBits,
            hostData,
            id(env, "IGVM_ID", "igvm0"),
            text(env, "IGVM_FILE", "/root/coconut-qemu.igvm"));
    Tdx tdx =
        new Tdx(
            id(env, "TDX_ID", "tdx0"),
            env.port(var("QUOTE_GENERATION_PORT"), 4050),
            text(env, "OVMF_FILE", "/usr/share/ovmf/OVMF.fd"));
    Sev sev = new Sev(sevSnpId, env.integer(var("SEV_CBITPOS"), 51, 1, 63), reducedPhysBits);

    Display display = new Display(env.bool(var("NO_GRAPHIC"), true), text(env, "MONITOR", "pty"));
    return new QemuConfig(
        launch, processor, memory, firmware, network, vsock, boot, gpu, tee, sevSnp, tdx, sev,
        display, warnings);
  }

  /** Whether the firmware comes from the two pflash drives (and so needs a per-CVM vars copy). */
  public boolean usesPflash() {
    return tee == TeeKind.NONE || tee == TeeKind.SEV;
  }

  /** The TEE's options for one CVM, empty without a TEE. */
  List<QemuOption> teeOptions(String cvmId) {
    return switch (tee) {
      case SEV_SNP -> sevSnp.options(cvmId, memory);
      case TDX -> tdx.options(cvmId, memory);
      case SEV -> sev.options(cvmId);
      case NONE -> List.of();
    };
  }

  private static Vsock vsock(Env env, HostTees detected, List<String> warnings) {
    // Off by default: upstream dropped the device, and with it on a host without
    // /dev/vhost-vsock (most hosts without the vhost_vsock module) no CVM starts at all.
    boolean enabled = env.bool(var("ENABLE_VSOCK"), false);
    if (enabled && !detected.vhostVsockDevice()) {
      warnings.add(
          var("ENABLE_VSOCK")
              + "=true but /dev/vhost-vsock is missing: QEMU will fail to start CVMs; set "
              + var("ENABLE_VSOCK")
              + "=false on this host");
    }
    return new Vsock(enabled, id(env, "VSOCK_ID", "vhost-vsock-pci0"));
  }

  private static Boot boot(Env env, List<String> warnings) {
    String kernelFile = text(env, "DISK_IMG_KERNEL_FILE", "img/bzImage");
    String rootfsFile = text(env, "DISK_IMG_ROOTFS_FILE", "img/rootfs.cpio.gz");
    String commandLine = text(env, "KERNEL_CMDLINE", "quiet console=null");
    String source = text(env, "SRC_DISK_FILE", "img/enc_os.qcow2");
    String format = id(env, "DISK_FORMAT", "qcow2");
    String diskId = id(env, "DISK_ID", "disk0");
    String scsiId = id(env, "DISK_SCSI_ID", "scsi0");
    DiskClone clone =
        DiskClone.valueOf(env.oneOf(var("DISK_CLONE"), "overlay", "overlay", "copy").toUpperCase());
    if (!env.bool(var("ENABLE_DISK"), false)) {
      return new KernelImages(kernelFile, rootfsFile, commandLine);
    }
    if (clone == DiskClone.OVERLAY && !format.equals("qcow2")) {
      throw new ConfigException(
          var("DISK_FORMAT"),
          format,
          "qcow2 while "
              + var("DISK_CLONE")
              + "=overlay (only a qcow2 image can have a backing file; set "
              + var("DISK_CLONE")
              + "=copy for "
              + format
              + ")");
    }
    env.raw(var("DST_DISK_FILE"))
        .ifPresent(
            v ->
                warnings.add(
                    var("DST_DISK_FILE")
                        + " is ignored: each CVM's disk "
                        + "is made in its own directory"));
    for (String unused :
        List.of("DISK_IMG_KERNEL_FILE", "DISK_IMG_ROOTFS_FILE", "KERNEL_CMDLINE")) {
      env.raw(var(unused))
          .ifPresent(
              v ->
                  warnings.add(
                      var(unused)
                          + " is ignored while "
                          + var("ENABLE_DISK")
                          + "=true: the disk image carries the kernel"));
    }
    if (!Files.isReadable(Path.of(source))) {
      warnings.add(
          var("SRC_DISK_FILE")
              + "="
              + source
              + " is not a readable file: QEMU will fail to start CVMs");
    }
    return new DiskImage(source, format, diskId, scsiId, clone);
  }

  private static Optional<Gpu> gpu(Env env, VfioGpus gpus) {
    String rootPort = id(env, "GPU_PCIE_ROOT_PORT", "pci.1");
    String bus = id(env, "GPU_PCIE_BUS", "pcie.0");
    long mmioMb = env.integer(var("GPU_FW_CFG_MMIO_MB"), 262144, 1, Integer.MAX_VALUE);
    Optional<String> bdf =
        env.raw(var("GPU_BDF"))
            .filter(v -> !v.isEmpty())
            .map(
                v ->
                    Env.parse(
                        var("GPU_BDF"),
                        v,
                        "a PCI address [domain:]bus:device.function such as 0000:01:00.0",
                        a -> {
                          if (!VfioPci.BDF.matcher(a).matches()) {
                            throw new IllegalArgumentException("not a PCI address");
                          }
                          return a;
                        }))
            .or(gpus::firstNvidia);
    return bdf.map(address -> new Gpu(address, rootPort, bus, mmioMb));
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

  private static String var(String suffix) {
    return PREFIX + suffix;
  }

  private static String text(Env env, String suffix, String defaultValue) {
    return Env.parse(
        var(suffix),
        env.string(var(suffix), defaultValue),
        PRINTABLE,
        v -> QemuValues.requirePrintable(v, var(suffix)));
  }

  private static String id(Env env, String suffix, String defaultValue) {
    return Env.parse(
        var(suffix),
        env.string(var(suffix), defaultValue),
        QEMU_ID,
        v -> QemuValues.requireId(v, var(suffix)));
  }

  private static String driveInterface(Env env, String suffix) {
    return env.oneOf(
        var(suffix), "pflash", "pflash", "ide", "scsi", "sd", "mtd", "floppy", "virtio", "none");
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
