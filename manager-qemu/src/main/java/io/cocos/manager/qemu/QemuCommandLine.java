package io.cocos.manager.qemu;

import io.cocos.manager.core.vm.VmLaunchSpec;
import io.cocos.manager.qemu.args.Bios;
import io.cocos.manager.qemu.args.Cpu;
import io.cocos.manager.qemu.args.Flag;
import io.cocos.manager.qemu.args.Fsdev9p;
import io.cocos.manager.qemu.args.GuestName;
import io.cocos.manager.qemu.args.IgvmCfg;
import io.cocos.manager.qemu.args.KernelBoot;
import io.cocos.manager.qemu.args.Machine;
import io.cocos.manager.qemu.args.Memory;
import io.cocos.manager.qemu.args.MemoryBackendMemfd;
import io.cocos.manager.qemu.args.Monitor;
import io.cocos.manager.qemu.args.PidFile;
import io.cocos.manager.qemu.args.QemuOption;
import io.cocos.manager.qemu.args.QemuValues;
import io.cocos.manager.qemu.args.SevGuest;
import io.cocos.manager.qemu.args.SevMachine;
import io.cocos.manager.qemu.args.SevSnpGuest;
import io.cocos.manager.qemu.args.SevSnpMachine;
import io.cocos.manager.qemu.args.Smp;
import io.cocos.manager.qemu.args.TdxGuest;
import io.cocos.manager.qemu.args.TdxMachine;
import io.cocos.manager.qemu.args.UserNetdev;
import io.cocos.manager.qemu.args.VhostVsockPci;
import io.cocos.manager.qemu.args.VirtioNetPci;
import io.cocos.manager.qemu.args.Virtio9pPci;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The QEMU command for one CVM, assembled from the configuration and the CVM's launch spec in the
 * order and spelling of upstream's manager (spec/qemu.md): machine, CPU and memory; the firmware
 * drives (plain and legacy SEV only); network and vsock; the TEE's objects; kernel, display,
 * monitor; the two 9P shares; then this port's own two, the guest name (the CVM id) and the pid
 * file in the CVM's work directory, by which a restarting manager recognises its QEMUs.
 *
 * <p>Every id that must be unique per CVM is the configured base id plus "-" plus the CVM id.
 */
public final class QemuCommandLine {
  static final String CERTS_FSDEV = "cert_fs";
  static final String CERTS_TAG = "certs_share";
  static final String ENV_FSDEV = "env_fs";
  static final String ENV_TAG = "env_share";
  static final String PID_FILE = "qemu.pid";
  /** The kernel parameter the agent reads its attestation agent's KBC parameters from. */
  static final String AA_KBC_PARAMS = "agent.aa_kbc_params";

  private final List<String> program;
  private final List<QemuOption> options;
  private final Optional<Path> ovmfVarsCopy;

  private QemuCommandLine(List<String> program, List<QemuOption> options, Optional<Path> ovmfVarsCopy) {
    this.program = List.copyOf(program);
    this.options = List.copyOf(options);
    this.ovmfVarsCopy = ovmfVarsCopy;
  }

  /**
   * Builds the command line; throws IllegalArgumentException when a per-CVM value cannot be put on
   * a QEMU command line safely (a control character in a path, a CVM id that is no QEMU id suffix).
   */
  public static QemuCommandLine of(QemuConfig config, VmLaunchSpec spec) {
    String cvmId = QemuValues.requireIdSuffix(spec.cvmId(), "CVM id");
    List<QemuOption> options = new ArrayList<>();
    if (config.enableKvm()) {
      options.add(Flag.ENABLE_KVM);
    }
    options.add(new Machine(config.machine()));
    options.add(new Cpu(config.cpu()));
    options.add(new Smp(config.smpCount(), config.smpMaxCpus()));
    options.add(new Memory(config.memorySize(), config.memorySlots(), config.maxMemory()));

    Optional<Path> varsCopy = Optional.empty();
    if (config.usesPflash()) {
      varsCopy = Optional.of(ovmfVarsCopy(spec));
      options.add(config.ovmfCode());
      options.add(config.ovmfVarsTemplate().withFile(varsCopy.get().toString()));
    }

    String netdevId = config.netdevId() + "-" + cvmId;
    options.add(new UserNetdev(netdevId, spec.hostPort(), config.guestFwdAgent()));
    options.add(new VirtioNetPci(netdevId, config.virtioNetDisableLegacy(), config.virtioNetIommuPlatform(),
        config.virtioNetAddr(), config.virtioNetRomfile()));
    if (config.enableVsock()) {
      options.add(new VhostVsockPci(config.vsockId(), spec.guestCid()));
    }

    switch (config.tee()) {
      case SEV_SNP -> {
        String snpId = config.sevSnpId() + "-" + cvmId;
        options.add(new SevSnpMachine(snpId, config.memoryId(), config.igvmId()));
        options.add(new MemoryBackendMemfd(config.memoryId(), config.memorySize()));
        options.add(new SevSnpGuest(snpId, config.sevSnpCbitPos(), config.sevSnpReducedPhysBits(), config.hostData()));
        options.add(new IgvmCfg(config.igvmId(), config.igvmFile()));
      }
      case TDX -> {
        String tdxId = config.tdxId() + "-" + cvmId;
        options.add(new TdxGuest(tdxId, config.quoteGenerationPort()));
        options.add(new TdxMachine(tdxId, config.memoryId()));
        options.add(new MemoryBackendMemfd(config.memoryId(), config.memorySize()));
        options.add(new Bios(config.tdxOvmfFile()));
        options.add(Flag.NO_DEFAULTS);
      }
      case SEV -> {
        String sevId = config.sevSnpId() + "-" + cvmId;
        options.add(new SevMachine(sevId));
        options.add(new SevGuest(sevId, config.sevCbitPos(), config.sevSnpReducedPhysBits()));
      }
      case NONE -> { }
    }

    options.add(new KernelBoot(config.kernelFile(), kernelCommandLine(config, spec), config.rootfsFile()));
    if (config.noGraphic()) {
      options.add(Flag.NO_GRAPHIC);
    }
    options.add(new Monitor(config.monitor()));
    options.add(new Fsdev9p(CERTS_FSDEV, spec.certsDir()));
    options.add(new Virtio9pPci(CERTS_FSDEV, CERTS_TAG));
    options.add(new Fsdev9p(ENV_FSDEV, spec.envDir()));
    options.add(new Virtio9pPci(ENV_FSDEV, ENV_TAG));
    options.add(new GuestName(cvmId));
    options.add(new PidFile(pidFile(spec)));

    List<String> program = config.useSudo()
        // -n: QEMU runs without a terminal, so sudo could never ask for a password; fail at once
        // with sudo's own message instead of trying.
        ? List.of("sudo", "-n", config.binPath())
        : List.of(config.binPath());
    return new QemuCommandLine(program, options, varsCopy);
  }

  /** The configured line, plus this CVM's KBC parameters as upstream appends them. */
  static String kernelCommandLine(QemuConfig config, VmLaunchSpec spec) {
    return spec.aaKbsParams().isEmpty()
        ? config.kernelCommandLine()
        : config.kernelCommandLine() + " " + AA_KBC_PARAMS + "=" + spec.aaKbsParams();
  }

  /** Where a CVM's copy of the OVMF vars template lives: inside its work directory. */
  public static Path ovmfVarsCopy(VmLaunchSpec spec) {
    return spec.workDir().resolve("OVMF_VARS-" + spec.cvmId() + ".fd");
  }

  /**
   * Where QEMU writes its pid: in the CVM's work directory, as an absolute normalised path, so that
   * {@link QemuHypervisor#findVms} can match it against the state directory.
   */
  public static Path pidFile(VmLaunchSpec spec) {
    return spec.workDir().toAbsolutePath().normalize().resolve(PID_FILE);
  }

  /** The typed pieces, in command-line order. */
  public List<QemuOption> options() {
    return options;
  }

  /** QEMU's arguments, without the program. */
  public List<String> arguments() {
    List<String> args = new ArrayList<>();
    options.forEach(o -> args.addAll(o.render()));
    return List.copyOf(args);
  }

  /** The whole command: [sudo -n] QEMU binary, then {@link #arguments()}. */
  public List<String> command() {
    List<String> command = new ArrayList<>(program);
    command.addAll(arguments());
    return List.copyOf(command);
  }

  /** The per-CVM OVMF vars copy this command line refers to; empty when the mode has no pflash. */
  public Optional<Path> ovmfVarsCopy() {
    return ovmfVarsCopy;
  }
}
