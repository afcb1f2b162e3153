package io.cocos.manager.qemu;

import static io.cocos.manager.qemu.QemuConfig.PREFIX;

import io.cocos.manager.core.config.ConfigException;
import io.cocos.manager.core.config.Env;
import io.cocos.manager.core.config.GoDuration;
import io.cocos.manager.core.config.MemorySize;
import io.cocos.manager.core.vm.TeeKind;
import io.cocos.manager.qemu.QemuConfig.Boot;
import io.cocos.manager.qemu.QemuConfig.DiskClone;
import io.cocos.manager.qemu.QemuConfig.DiskImage;
import io.cocos.manager.qemu.QemuConfig.Display;
import io.cocos.manager.qemu.QemuConfig.Firmware;
import io.cocos.manager.qemu.QemuConfig.Gpu;
import io.cocos.manager.qemu.QemuConfig.KernelImages;
import io.cocos.manager.qemu.QemuConfig.Launch;
import io.cocos.manager.qemu.QemuConfig.MemoryLayout;
import io.cocos.manager.qemu.QemuConfig.Network;
import io.cocos.manager.qemu.QemuConfig.Processor;
import io.cocos.manager.qemu.QemuConfig.Sev;
import io.cocos.manager.qemu.QemuConfig.SevSnp;
import io.cocos.manager.qemu.QemuConfig.Tdx;
import io.cocos.manager.qemu.QemuConfig.Vsock;
import io.cocos.manager.qemu.args.PflashDrive;
import io.cocos.manager.qemu.args.QemuValues;
import io.cocos.manager.qemu.args.SevSnpGuest;
import io.cocos.manager.qemu.args.VfioPci;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads the MANAGER_QEMU_* variables into a {@link QemuConfig}, one method per group of settings.
 * Values that do not parse throw a {@link ConfigException} naming the variable; values that parse
 * but look wrong for this host become warnings. The TEE is read first: other groups' defaults
 * depend on it.
 */
final class QemuConfigReader {
  private static final Pattern PCI_ADDRESS = Pattern.compile("(0x)?[0-9a-fA-F]{1,2}(\\.[0-7])?");
  private static final String PRINTABLE = "text without control characters";
  private static final String QEMU_ID =
      "a QEMU id: a letter followed by letters, digits, '-', '.' or '_'";

  private final Env env;
  private final HostTees detected;
  private final VfioGpus gpus;
  private final List<String> warnings = new ArrayList<>();

  QemuConfigReader(Env env, HostTees detected, VfioGpus gpus) {
    this.env = env;
    this.detected = detected;
    this.gpus = gpus;
  }

  QemuConfig read() {
    TeeKind tee = tee();
    Launch launch = launch();
    Processor processor = processor(tee);
    MemoryLayout memory = memory();
    Firmware firmware = firmware();
    Network network = network();
    Vsock vsock = vsock();
    Boot boot = boot();
    Optional<Gpu> gpu = gpu();
    Optional<String> hostData = hostData(tee);
    String sevSnpId = id("SEV_SNP_ID", "sev0");
    int reducedPhysBits = env.integer(var("SEV_SNP_REDUCED_PHYS_BITS"), 1, 0, 63);
    SevSnp sevSnp = sevSnp(sevSnpId, reducedPhysBits, hostData);
    Tdx tdx = tdx();
    Sev sev = new Sev(sevSnpId, env.integer(var("SEV_CBITPOS"), 51, 1, 63), reducedPhysBits);
    Display display = new Display(env.bool(var("NO_GRAPHIC"), true), text("MONITOR", "pty"));
    return new QemuConfig(
        launch, processor, memory, firmware, network, vsock, boot, gpu, tee, sevSnp, tdx, sev,
        display, warnings);
  }

  private Launch launch() {
    boolean enableKvm = env.bool(var("ENABLE_KVM"), true);
    if (enableKvm && !detected.kvmDevice()) {
      warnings.add(
          var("ENABLE_KVM")
              + "=true but /dev/kvm is missing: QEMU will fail to start CVMs; set "
              + var("ENABLE_KVM")
              + "=false to run them under TCG (slow)");
    }
    String binPath = text("BIN_PATH", "qemu-system-x86_64");
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
    return new Launch(binPath, useSudo, enableKvm, startupGrace, startupTimeout, powerdownTimeout);
  }

  private Processor processor(TeeKind tee) {
    int smpMaxCpus = env.integer(var("SMP_MAXCPUS"), 64, 1, 4096);
    int smpCount = env.integer(var("SMP_COUNT"), 4, 1, 4096);
    if (smpCount > smpMaxCpus) {
      throw new ConfigException(
          var("SMP_COUNT"),
          String.valueOf(smpCount),
          "at most " + var("SMP_MAXCPUS") + " (" + smpMaxCpus + ")");
    }
    return new Processor(
        text("MACHINE", "q35"),
        text("CPU", tee == TeeKind.TDX ? "host" : "EPYC"),
        smpCount,
        smpMaxCpus);
  }

  private MemoryLayout memory() {
    MemorySize memorySize = env.memorySize(var("MEMORY_SIZE"), "2048M");
    MemorySize maxMemory = env.memorySize(var("MAX_MEMORY"), "30G");
    if (maxMemory.bytes() < memorySize.bytes()) {
      throw new ConfigException(
          var("MAX_MEMORY"),
          maxMemory.text(),
          "at least " + var("MEMORY_SIZE") + " (" + memorySize + ")");
    }
    return new MemoryLayout(
        id("MEM_ID", "ram1"), memorySize, env.integer(var("MEMORY_SLOTS"), 5, 0, 256), maxMemory);
  }

  private Firmware firmware() {
    return new Firmware(
        new PflashDrive(
            driveInterface("OVMF_CODE_IF"),
            id("OVMF_CODE_FORMAT", "raw"),
            env.integer(var("OVMF_CODE_UNIT"), 0, 0, 255),
            text("OVMF_CODE_FILE", "/usr/share/OVMF/OVMF_CODE.fd"),
            Optional.of(
                env.oneOf(
                    var("OVMF_CODE_READONLY"), "on", "on", "off", "true", "false", "yes", "no"))),
        new PflashDrive(
            driveInterface("OVMF_VARS_IF"),
            id("OVMF_VARS_FORMAT", "raw"),
            env.integer(var("OVMF_VARS_UNIT"), 1, 0, 255),
            text("OVMF_VARS_FILE", "/usr/share/OVMF/OVMF_VARS.fd"),
            Optional.empty()),
        env.string(var("OVMF_VERSION"), ""));
  }

  private Network network() {
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
    return new Network(
        id("NETDEV_ID", "vmnic"),
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
        text("VIRTIO_NET_PCI_ROMFILE", ""));
  }

  private Vsock vsock() {
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
    return new Vsock(enabled, id("VSOCK_ID", "vhost-vsock-pci0"));
  }

  private Boot boot() {
    String kernelFile = text("DISK_IMG_KERNEL_FILE", "img/bzImage");
    String rootfsFile = text("DISK_IMG_ROOTFS_FILE", "img/rootfs.cpio.gz");
    String commandLine = text("KERNEL_CMDLINE", "quiet console=null");
    String source = text("SRC_DISK_FILE", "img/enc_os.qcow2");
    String format = id("DISK_FORMAT", "qcow2");
    String diskId = id("DISK_ID", "disk0");
    String scsiId = id("DISK_SCSI_ID", "scsi0");
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

  private Optional<Gpu> gpu() {
    String rootPort = id("GPU_PCIE_ROOT_PORT", "pci.1");
    String bus = id("GPU_PCIE_BUS", "pcie.0");
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

  /** SEV-SNP's host data, when ENABLE_HOST_DATA is true. */
  private Optional<String> hostData(TeeKind tee) {
    if (!env.bool(var("ENABLE_HOST_DATA"), false)) {
      if (env.raw(var("HOST_DATA")).isPresent()) {
        warnings.add(
            var("HOST_DATA") + " is ignored while " + var("ENABLE_HOST_DATA") + " is false");
      }
      return Optional.empty();
    }
    String hostData =
        Env.parse(
            var("HOST_DATA"),
            env.string(var("HOST_DATA"), ""),
            "base64 of "
                + SevSnpGuest.HOST_DATA_BYTES
                + " bytes ("
                + var("ENABLE_HOST_DATA")
                + "=true)",
            SevSnpGuest::requireHostData);
    if (tee != TeeKind.SEV_SNP) {
      warnings.add(
          var("ENABLE_HOST_DATA")
              + "=true is ignored: host data is an SEV-SNP feature and the TEE is "
              + tee.wireName());
    }
    return Optional.of(hostData);
  }

  private SevSnp sevSnp(String sevSnpId, int reducedPhysBits, Optional<String> hostData) {
    return new SevSnp(
        sevSnpId,
        env.raw(var("SEV_SNP_CBITPOS")).isEmpty() && env.raw(var("SEV_SNP_CBIT_POS")).isPresent()
            ? env.integer(var("SEV_SNP_CBIT_POS"), 51, 1, 63)
            : env.integer(var("SEV_SNP_CBITPOS"), 51, 1, 63),
        reducedPhysBits,
        hostData,
        id("IGVM_ID", "igvm0"),
        text("IGVM_FILE", "/root/coconut-qemu.igvm"));
  }

  private Tdx tdx() {
    return new Tdx(
        id("TDX_ID", "tdx0"),
        env.port(var("QUOTE_GENERATION_PORT"), 4050),
        text("OVMF_FILE", "/usr/share/ovmf/OVMF.fd"));
  }

  /** The TEE: see {@link TeeChoice}. */
  private TeeKind tee() {
    return TeeChoice.of(env, detected, warnings);
  }

  private static String var(String suffix) {
    return PREFIX + suffix;
  }

  private String text(String suffix, String defaultValue) {
    return Env.parse(
        var(suffix),
        env.string(var(suffix), defaultValue),
        PRINTABLE,
        v -> QemuValues.requirePrintable(v, var(suffix)));
  }

  private String id(String suffix, String defaultValue) {
    return Env.parse(
        var(suffix),
        env.string(var(suffix), defaultValue),
        QEMU_ID,
        v -> QemuValues.requireId(v, var(suffix)));
  }

  private String driveInterface(String suffix) {
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
