package io.cocos.manager.qemu;

import io.cocos.manager.core.concurrent.DaemonThreads;
import io.cocos.manager.core.vm.ExitStatus;
import io.cocos.manager.core.vm.FoundVm;
import io.cocos.manager.core.vm.GuestDescription;
import io.cocos.manager.core.vm.Hypervisor;
import io.cocos.manager.core.vm.TeeKind;
import io.cocos.manager.core.vm.VmLaunchSpec;
import io.cocos.manager.core.vm.VmProcess;
import io.cocos.manager.core.vm.VmStartException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Runs each CVM as a QEMU process, from the parts that do each step:
 *
 * <ul>
 *   <li>{@link QemuWorkDir} makes the CVM's work directory ready (vars copy, boot disk);
 *   <li>{@link QemuLauncher} starts QEMU detached from the manager, in a session of its own, its
 *       output appended to the console log, its parent a {@link QemuWrapper} shell that leaves its
 *       exit status in the work directory; spawn() returns as soon as the process exists, so that
 *       its pid reaches disk before any wait;
 *   <li>{@link QemuReadiness} then waits until QEMU answers QMP, or fails with QEMU's own words;
 *   <li>{@link QemuDiscovery} finds and adopts the QEMUs an earlier manager left running.
 * </ul>
 *
 * <p>Threads and concurrency: no thread per CVM. The hypervisor holds no per-CVM state (apart from
 * files named after the CVM), so calls for different CVMs run in parallel without locks. Its shared
 * threads: the poller ("qemu-exit-poller") that confirms exits in /proc, and the one QMP selector
 * thread that serves every QEMU's connection ({@link io.cocos.manager.qemu.qmp.QmpClient}). See
 * {@link WatchedQemuProcess} and {@link QemuProcess} for the processes' own guarantees.
 */
public final class QemuHypervisor implements Hypervisor {
  private final QemuConfig config;

  private final ScheduledExecutorService exitPoller =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("qemu-exit-poller"));

  private final QemuWorkDir workDir;
  private final QemuLauncher launcher;
  private final QemuReadiness readiness;
  private final QemuDiscovery discovery;
  private final QemuVersion version;

  public QemuHypervisor(QemuConfig config) {
    this.config = config;
    this.workDir = new QemuWorkDir(config);
    this.launcher = new QemuLauncher(exitPoller, config.launch().powerdownTimeout());
    this.readiness = new QemuReadiness(config.launch(), workDir);
    this.discovery = new QemuDiscovery(config.launch(), exitPoller);
    this.version = new QemuVersion(config.launch().binPath());
  }

  @Override
  public TeeKind tee() {
    return config.tee();
  }

  @Override
  public GuestDescription guest() {
    return new GuestDescription(
        config.firmware().version(),
        config.processor().smpCount(),
        config.processor().cpu(),
        config.boot().kernelCommandLine());
  }

  /** MANAGER_QEMU_MEMORY_SIZE: the -m every CVM is launched with. */
  @Override
  public long guestMemory() {
    return config.memory().size().bytes();
  }

  /**
   * The first line of {@code MANAGER_QEMU_BIN_PATH --version}, asked once (see {@link
   * QemuVersion}).
   */
  @Override
  public String version() {
    return version.get();
  }

  @Override
  public boolean passesKernelParameters() {
    return config.boot() instanceof QemuConfig.KernelImages;
  }

  /** A passed-through GPU: every CVM's command line names it, so only one CVM can run at a time. */
  @Override
  public Optional<String> exclusiveDevice() {
    return config.gpu().map(gpu -> "GPU " + gpu.bdf());
  }

  @Override
  public VmProcess spawn(VmLaunchSpec spec) throws VmStartException {
    QemuCommandLine commandLine;
    try {
      commandLine = QemuCommandLine.of(config, spec);
    } catch (IllegalArgumentException e) {
      throw new VmStartException(
          "cannot build the QEMU command line for CVM " + spec.cvmId() + ": " + e.getMessage(), e);
    }
    workDir.prepare(spec, commandLine);
    boolean running = false;
    try {
      VmProcess process = launcher.launch(spec, commandLine);
      running = true;
      return process;
    } finally {
      if (!running) {
        workDir.discard(commandLine);
      }
    }
  }

  /**
   * Returns once QEMU answers QMP's query-status (see {@link QemuReadiness}); the connection stays
   * open for the CVM's life (guest status and events).
   */
  @Override
  public void awaitReady(VmLaunchSpec spec, VmProcess vm)
      throws VmStartException, InterruptedException {
    if (!(vm instanceof WatchedQemuProcess child)) {
      throw new IllegalArgumentException("not a QEMU this hypervisor spawned: " + vm);
    }
    readiness.await(spec, child);
  }

  @Override
  public Optional<VmProcess> adopt(VmLaunchSpec spec, long pid, Instant processStart) {
    return discovery.adopt(spec, pid, processStart).map(VmProcess.class::cast);
  }

  @Override
  public List<FoundVm> findVms(Path cvmsDir) {
    return discovery.findVms(cvmsDir);
  }

  /** The status the QEMU's {@link QemuWrapper} left in the work directory, if it left one. */
  @Override
  public Optional<ExitStatus> endedStatus(VmLaunchSpec spec) {
    return QemuWrapper.read(QemuWrapper.statusFileIn(spec.workDir()));
  }

  /**
   * The vars copy and the boot disk live in the CVM's work directory, removed with it; this covers
   * a start that failed halfway.
   */
  @Override
  public void release(VmLaunchSpec spec) {
    workDir.release(spec);
  }
}
