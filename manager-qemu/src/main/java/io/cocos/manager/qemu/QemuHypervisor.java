package io.cocos.manager.qemu;

import io.cocos.manager.core.config.GoDuration;
import io.cocos.manager.core.vm.FoundVm;
import io.cocos.manager.core.vm.GuestDescription;
import io.cocos.manager.core.vm.Hypervisor;
import io.cocos.manager.core.vm.TeeKind;
import io.cocos.manager.core.vm.VmLaunchSpec;
import io.cocos.manager.core.vm.VmProcess;
import io.cocos.manager.core.vm.VmStartException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each CVM as a QEMU process.
 *
 * <p>How QEMU is started, and why:
 * <ul>
 *   <li>stdout and stderr go, appended, straight into the CVM's console log file — never through a
 *       pipe, so a manager restart neither loses the console nor kills QEMU with SIGPIPE; stdin is
 *       /dev/null.
 *   <li>It runs in a session of its own (util-linux {@code setsid}), so a Ctrl-C or SIGHUP meant for
 *       the manager's process group does not reach it. setsid forks only when the caller leads a
 *       process group, which a JVM's child never does (the JDK does not call setpgid), so setsid
 *       execs in place and the pid we hold is QEMU's.
 *   <li>With MANAGER_QEMU_USE_SUDO the command is {@code sudo -n qemu ...}; the pid is then sudo's,
 *       which relays SIGTERM to QEMU. A root QEMU cannot be SIGKILLed by an unprivileged manager
 *       anyway; giving the manager's user access to /dev/kvm and /dev/sev is the better setup.
 *   <li>spawn() returns as soon as the process exists, so that its pid reaches disk before any
 *       wait; awaitReady() then sees it through MANAGER_QEMU_STARTUP_GRACE: most failures (a bad
 *       option, a missing file, a host port already taken) make QEMU exit at once, and the caller
 *       then gets QEMU's own words in the {@link VmStartException}.
 *   <li>Every QEMU carries {@code -name guest=<cvm id>} and {@code -pidfile <work dir>/qemu.pid},
 *       so {@link #findVms} finds it from /proc alone, whatever became of its record.
 * </ul>
 *
 * <p>Concurrency: the hypervisor holds no per-CVM state (apart from files named after the CVM), so
 * calls for different CVMs run in parallel without locks. The one shared object is the poller
 * thread that watches adopted processes; see {@link AdoptedQemuProcess} and {@link QemuProcess} for
 * the processes' own guarantees.
 */
public final class QemuHypervisor implements Hypervisor {
  private static final Logger log = LoggerFactory.getLogger(QemuHypervisor.class);

  /**
   * How far a process's start time may be from the persisted one and still be the same process.
   * /proc gives start times in clock ticks since boot; the JDK turns them into instants with the
   * boot time, which the kernel reports in whole seconds and recomputes from the wall clock — so
   * two readings by two manager runs can differ by up to a second. The command-line check does the
   * real identification.
   */
  static final Duration START_TIME_TOLERANCE = Duration.ofSeconds(1);

  /** The tail of QEMU's output quoted in a start error: its fatal message comes last. */
  static final int START_ERROR_OUTPUT_BYTES = 4096;

  private static final File DEV_NULL = new File("/dev/null");

  private final QemuConfig config;
  private final ScheduledExecutorService exitPoller = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "qemu-adopted-exit-poller");
    t.setDaemon(true);
    return t;
  });

  public QemuHypervisor(QemuConfig config) {
    this.config = config;
  }

  @Override
  public TeeKind tee() {
    return config.tee();
  }

  @Override
  public GuestDescription guest() {
    return new GuestDescription(config.firmware().version(), config.processor().smpCount(), config.processor().cpu(),
        config.boot().kernelCommandLine());
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
      throw new VmStartException("cannot build the QEMU command line for CVM " + spec.cvmId() + ": " + e.getMessage(), e);
    }
    Optional<Path> varsCopy = commandLine.ovmfVarsCopy();
    Optional<Path> disk = commandLine.disk();
    boolean running = false;
    try {
      if (varsCopy.isPresent()) {
        copyVarsTemplate(varsCopy.get());
      }
      if (disk.isPresent() && config.boot() instanceof QemuConfig.DiskImage image) {
        makeBootDisk(spec, image, disk.get());
      }
      VmProcess process = launch(spec, commandLine);
      running = true;
      return process;
    } finally {
      if (!running) {
        varsCopy.ifPresent(QemuHypervisor::deleteQuietly);
        disk.ifPresent(QemuHypervisor::deleteQuietly);
      }
    }
  }

  private static void makeBootDisk(VmLaunchSpec spec, QemuConfig.DiskImage image, Path disk)
      throws VmStartException {
    long began = System.nanoTime();
    try {
      BootDisks.create(image, disk);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new VmStartException("interrupted while making the boot disk of CVM " + spec.cvmId(), e);
    }
    log.info("made the boot disk {} of CVM {} from {} ({}) in {} ms", disk, spec.cvmId(), image.sourceFile(),
        image.cloning().name().toLowerCase(), (System.nanoTime() - began) / 1_000_000);
  }

  private void copyVarsTemplate(Path copy) throws VmStartException {
    Path template = Path.of(config.firmware().varsTemplate().file());
    try {
      Files.createDirectories(copy.getParent());
      Files.copy(template, copy, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new VmStartException("cannot copy the OVMF vars file " + template + " to " + copy + ": " + e, e);
    }
  }

  /** Starts QEMU and returns at once: the caller persists the pid before any wait. */
  private ChildQemuProcess launch(VmLaunchSpec spec, QemuCommandLine commandLine) throws VmStartException {
    Path console = spec.consoleLog().toAbsolutePath();
    List<String> command = new ArrayList<>();
    command.add("setsid");
    command.addAll(commandLine.command());
    try {
      Files.createDirectories(console.getParent());
      long consoleStart = sizeOf(console);
      log.info("starting QEMU for CVM {}: {}", spec.cvmId(), String.join(" ", command));
      Process process = new ProcessBuilder(command)
          .redirectInput(ProcessBuilder.Redirect.from(DEV_NULL))
          .redirectOutput(ProcessBuilder.Redirect.appendTo(console.toFile()))
          .redirectErrorStream(true)
          .start();
      return new ChildQemuProcess(process, consoleStart);
    } catch (IOException e) {
      throw new VmStartException("cannot start QEMU for CVM " + spec.cvmId() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Sees QEMU through MANAGER_QEMU_STARTUP_GRACE: most failures (a bad option, a missing file, a
   * host port already taken) make it exit at once, and its own words then go into the exception.
   */
  @Override
  public void awaitReady(VmLaunchSpec spec, VmProcess vm) throws VmStartException, InterruptedException {
    if (!(vm instanceof ChildQemuProcess child)) {
      throw new IllegalArgumentException("not a QEMU this hypervisor spawned: " + vm);
    }
    Process process = child.process();
    boolean exited;
    try {
      exited = process.waitFor(config.launch().startupGrace().toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      process.onExit().join();
      release(spec);
      throw e;
    }
    if (exited) {
      release(spec);
      throw new VmStartException("QEMU for CVM " + spec.cvmId() + " exited with status " + process.exitValue()
          + " within " + GoDuration.format(config.launch().startupGrace()) + ": "
          + outputSince(spec.consoleLog().toAbsolutePath(), child.consoleStart()));
    }
    log.info("QEMU for CVM {} is running as pid {}", spec.cvmId(), process.pid());
  }

  @Override
  public Optional<VmProcess> adopt(VmLaunchSpec spec, long pid, Instant processStart) {
    Optional<ProcFs.Stat> before = ProcFs.stat(pid);
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    if (before.isEmpty() || before.get().isZombie() || handle.isEmpty()) {
      log.info("QEMU of CVM {} (pid {}) has ended", spec.cvmId(), pid);
      return Optional.empty();
    }
    Optional<Instant> started = handle.get().info().startInstant();
    if (started.isEmpty() || Duration.between(started.get(), processStart).abs().compareTo(START_TIME_TOLERANCE) > 0) {
      log.info("pid {} of CVM {} now belongs to a process started at {}, not {}: the pid was reused", pid,
          spec.cvmId(), started.map(Instant::toString).orElse("an unknown time"), processStart);
      return Optional.empty();
    }
    List<String> cmdline = ProcFs.cmdline(pid);
    if (!isQemuOf(spec, cmdline)) {
      log.info("pid {} is not the QEMU of CVM {}: its command line is {}", pid, spec.cvmId(), cmdline);
      return Optional.empty();
    }
    // The command line was read after the start time: if the pid changed hands in between, the
    // start ticks tell.
    Optional<ProcFs.Stat> after = ProcFs.stat(pid);
    if (after.isEmpty() || after.get().startTicks() != before.get().startTicks()) {
      log.info("QEMU of CVM {} (pid {}) ended while being adopted", spec.cvmId(), pid);
      return Optional.empty();
    }
    log.info("re-attached to QEMU of CVM {} (pid {}, started {})", spec.cvmId(), pid, started.get());
    return Optional.of(new AdoptedQemuProcess(handle.get(), started.get(), before.get().startTicks(), exitPoller));
  }

  /**
   * Scans /proc for processes whose command line has {@code -pidfile} in a work directory under
   * {@code cvmsDir} and is QEMU's. With a wrapper (sudo) both the wrapper and its QEMU match;
   * only the QEMU, the innermost, is reported: signalling it reaches QEMU whatever the wrapper
   * does with signals.
   */
  @Override
  public List<FoundVm> findVms(Path cvmsDir) {
    Path root = cvmsDir.toAbsolutePath().normalize();
    java.util.Map<Long, Path> matches = new java.util.HashMap<>();
    try (var pids = Files.list(Path.of("/proc"))) {
      for (Path entry : (Iterable<Path>) pids::iterator) {
        String name = entry.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        long pid = Long.parseLong(name);
        List<String> cmdline = ProcFs.cmdline(pid);
        workDirOf(cmdline, root).ifPresent(dir -> matches.put(pid, dir));
      }
    } catch (IOException e) {
      log.warn("cannot scan /proc for QEMU processes: {}", e.getMessage());
      return List.of();
    }
    java.util.Map<Long, ProcFs.Stat> stats = new java.util.HashMap<>();
    matches.keySet().forEach(pid -> ProcFs.stat(pid).ifPresent(stat -> stats.put(pid, stat)));
    java.util.Set<Long> wrappers = new java.util.HashSet<>();
    stats.values().forEach(stat -> wrappers.add(stat.parentPid()));
    List<FoundVm> found = new ArrayList<>();
    matches.forEach((pid, workDir) -> {
      ProcFs.Stat stat = stats.get(pid);
      if (stat == null || stat.isZombie() || wrappers.contains(pid)) {
        return;
      }
      ProcessHandle.of(pid).ifPresent(handle -> found.add(new FoundVm(workDir,
          new AdoptedQemuProcess(handle, handle.info().startInstant().orElse(Instant.EPOCH), stat.startTicks(),
              exitPoller))));
    });
    return found;
  }

  /** The work directory a QEMU command line's pid file is in, when it is under {@code root}. */
  private Optional<Path> workDirOf(List<String> cmdline, Path root) {
    String binary = fileName(config.launch().binPath());
    if (cmdline.stream().noneMatch(arg -> fileName(arg).equals(binary))) {
      return Optional.empty();
    }
    int i = cmdline.indexOf("-pidfile");
    if (i < 0 || i + 1 >= cmdline.size()) {
      return Optional.empty();
    }
    Path pidFile = Path.of(cmdline.get(i + 1)).normalize();
    if (!pidFile.isAbsolute() || !pidFile.startsWith(root) || pidFile.getNameCount() != root.getNameCount() + 3) {
      return Optional.empty(); // <root>/<cvm dir>/vm/qemu.pid and nothing else
    }
    return Optional.of(pidFile.getParent());
  }

  /** The binary is QEMU's (or, with sudo, an argument is) and one argument names this CVM. */
  private boolean isQemuOf(VmLaunchSpec spec, List<String> cmdline) {
    String binary = fileName(config.launch().binPath());
    return !spec.cvmId().isBlank()
        && cmdline.stream().anyMatch(arg -> fileName(arg).equals(binary))
        && cmdline.stream().anyMatch(arg -> arg.contains(spec.cvmId()));
  }

  /**
   * The vars copy and the boot disk live in the CVM's work directory, removed with it; this covers
   * a start that failed halfway.
   */
  @Override
  public void release(VmLaunchSpec spec) {
    deleteQuietly(QemuCommandLine.ovmfVarsCopy(spec));
    if (config.boot() instanceof QemuConfig.DiskImage image) {
      deleteQuietly(QemuCommandLine.cvmDisk(spec, image));
    }
  }

  private static String fileName(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  private static long sizeOf(Path file) throws IOException {
    try {
      return Files.size(file);
    } catch (NoSuchFileException e) {
      return 0;
    }
  }

  /** What QEMU wrote to the console since {@code offset}, at most the last few KiB. */
  private static String outputSince(Path console, long offset) {
    try (InputStream in = Files.newInputStream(console)) {
      long from = Math.max(offset, Files.size(console) - START_ERROR_OUTPUT_BYTES);
      in.skipNBytes(from);
      String text = new String(in.readNBytes(START_ERROR_OUTPUT_BYTES), StandardCharsets.UTF_8).strip();
      if (text.isEmpty()) {
        return "(no output)";
      }
      return from > offset ? "..." + text : text;
    } catch (IOException e) {
      return "(console log " + console + " unreadable: " + e.getMessage() + ")";
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("cannot delete {}: {}", file, e.toString());
    }
  }
}
