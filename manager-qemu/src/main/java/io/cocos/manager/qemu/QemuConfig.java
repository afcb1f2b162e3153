package io.cocos.manager.qemu;

import io.cocos.manager.core.config.ConfigException;
import io.cocos.manager.core.config.Env;
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
import io.cocos.manager.qemu.args.QmpSocket;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The MANAGER_QEMU_* configuration: every variable of upstream's manager with upstream's default,
 * plus KERNEL_CMDLINE, ENABLE_VSOCK, DISK_CLONE, STARTUP_GRACE, STARTUP_TIMEOUT and
 * POWERDOWN_TIMEOUT (HOST_FWD_RANGE, VSOCK_GUEST_CID and STOP_TIMEOUT are the lifecycle's: see
 * LifecycleConfig), grouped by concern. Each group knows the typed QEMU options (args/) it becomes;
 * {@link QemuCommandLine} only puts them in upstream's order and adds the per-CVM values.
 *
 * <p>{@link QemuConfigReader} reads the variables. Values that do not parse stop start-up with a
 * {@link ConfigException} naming the variable; values that parse but look wrong for this host (a
 * TEE it lacks, a missing /dev/kvm) become {@link #warnings()} for the caller to log.
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
    return new QemuConfigReader(env, detected, gpus).read();
  }

  /**
   * Each CVM's QMP socket is {@code <state dir>/cvms/<uuid>/vm/qmp.sock}, and a Unix socket's path
   * has at most 107 bytes: a longer state dir would fail every CreateVm, so it stops start-up
   * instead.
   *
   * @throws ConfigException naming MANAGER_STATE_DIR when the sockets under it would not fit
   */
  public static void requireQmpSocketsFit(Path stateDir) {
    // Any id has the same length; a random one would set up SecureRandom for nothing.
    String id = new UUID(0, 0).toString();
    Path workDir = stateDir.toAbsolutePath().normalize().resolve("cvms").resolve(id).resolve("vm");
    Path socket = QemuCommandLine.qmpSocketIn(workDir);
    int length = socket.toString().getBytes(StandardCharsets.UTF_8).length;
    if (length > QmpSocket.MAX_PATH_BYTES) {
      throw new ConfigException(
          "MANAGER_STATE_DIR",
          stateDir.toString(),
          "a shorter path: each CVM's QMP socket"
              + " under it (cvms/<id>/vm/qmp.sock) would be "
              + length
              + " bytes, more than the "
              + QmpSocket.MAX_PATH_BYTES
              + " a Unix socket allows");
    }
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
}
