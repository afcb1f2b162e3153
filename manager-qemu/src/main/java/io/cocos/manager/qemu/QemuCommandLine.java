package io.cocos.manager.qemu;

import io.cocos.manager.core.vm.VmLaunchSpec;
import io.cocos.manager.qemu.args.Fsdev9p;
import io.cocos.manager.qemu.args.GuestName;
import io.cocos.manager.qemu.args.PidFile;
import io.cocos.manager.qemu.args.QemuOption;
import io.cocos.manager.qemu.args.QemuValues;
import io.cocos.manager.qemu.args.QmpSocket;
import io.cocos.manager.qemu.args.Virtio9pPci;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The QEMU command for one CVM, assembled from the configuration and the CVM's launch spec in the
 * order and spelling of upstream's manager (spec/qemu.md): machine, CPU and memory; the firmware
 * drives (plain and legacy SEV only); network and vsock; the boot disk; the GPU; the TEE's objects;
 * kernel (without a boot disk), display, monitor; the two 9P shares; then this port's own two, the
 * guest name (the CVM id) and the pid file in the CVM's work directory, by which a restarting
 * manager recognises its QEMUs. drives (plain and legacy SEV only); network and vsock; the TEE's
 * objects; kernel, display, monitor; the two 9P shares; then this port's own three: the guest name
 * (the CVM id) and the pid file in the CVM's work directory, by which a restarting manager
 * recognises its QEMUs, and the QMP socket in that directory, through which the manager sees and
 * steers each QEMU.
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

  static final String QMP_SOCKET = "qmp.sock";

  private final List<String> program;
  private final List<QemuOption> options;
  private final Optional<Path> ovmfVarsCopy;
  private final Optional<Path> disk;

  private QemuCommandLine(
      List<String> program,
      List<QemuOption> options,
      Optional<Path> ovmfVarsCopy,
      Optional<Path> disk) {
    this.program = List.copyOf(program);
    this.options = List.copyOf(options);
    this.ovmfVarsCopy = ovmfVarsCopy;
    this.disk = disk;
  }

  /**
   * Builds the command line; throws IllegalArgumentException when a per-CVM value cannot be put on
   * a QEMU command line safely (a control character in a path, a CVM id that is no QEMU id suffix).
   */
  public static QemuCommandLine of(QemuConfig config, VmLaunchSpec spec) {
    String cvmId = QemuValues.requireIdSuffix(spec.cvmId(), "CVM id");
    List<QemuOption> options = new ArrayList<>(config.launch().options());
    options.addAll(config.processor().options());
    options.add(config.memory().option());

    Optional<Path> varsCopy = Optional.empty();
    if (config.usesPflash()) {
      varsCopy = Optional.of(ovmfVarsCopy(spec));
      options.addAll(config.firmware().drives(varsCopy.get()));
    }

    options.addAll(config.network().options(cvmId, spec.hostPort()));
    options.addAll(config.vsock().options(spec.guestCid()));
    Optional<Path> disk = Optional.empty();
    if (config.boot() instanceof QemuConfig.DiskImage image) {
      disk = Optional.of(cvmDisk(spec, image));
      options.addAll(image.options(disk.get()));
    }
    config.gpu().ifPresent(gpu -> options.addAll(gpu.options()));
    options.addAll(config.teeOptions(cvmId));
    if (config.boot() instanceof QemuConfig.KernelImages kernel) {
      options.add(kernel.option(kernelCommandLine(kernel, spec)));
    }
    options.addAll(config.display().options());
    options.add(new Fsdev9p(CERTS_FSDEV, spec.certsDir()));
    options.add(new Virtio9pPci(CERTS_FSDEV, CERTS_TAG));
    options.add(new Fsdev9p(ENV_FSDEV, spec.envDir()));
    options.add(new Virtio9pPci(ENV_FSDEV, ENV_TAG));
    options.add(new GuestName(cvmId));
    options.add(new PidFile(pidFile(spec)));
    options.add(new QmpSocket(qmpSocket(spec)));
    return new QemuCommandLine(config.launch().program(), options, varsCopy, disk);
  }

  /** Where a CVM's boot disk lives: inside its work directory, so it goes with the CVM. */
  public static Path cvmDisk(VmLaunchSpec spec, QemuConfig.DiskImage image) {
    return spec.workDir().resolve("disk-" + spec.cvmId() + "." + image.format());
  }

  /** The configured line, plus this CVM's KBC parameters as upstream appends them. */
  static String kernelCommandLine(QemuConfig.KernelImages kernel, VmLaunchSpec spec) {
    return spec.aaKbsParams().isEmpty()
        ? kernel.kernelCommandLine()
        : kernel.kernelCommandLine() + " " + AA_KBC_PARAMS + "=" + spec.aaKbsParams();
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

  /** Where QEMU serves QMP: in the CVM's work directory, as an absolute normalised path. */
  public static Path qmpSocket(VmLaunchSpec spec) {
    return qmpSocketIn(spec.workDir());
  }

  /** The QMP socket of the CVM whose work directory is {@code workDir}. */
  public static Path qmpSocketIn(Path workDir) {
    return workDir.toAbsolutePath().normalize().resolve(QMP_SOCKET);
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

  /** The per-CVM boot disk this command line refers to; empty with kernel boot. */
  public Optional<Path> disk() {
    return disk;
  }
}
