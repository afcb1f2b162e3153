package io.cocos.manager.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import io.cocos.manager.core.config.GoDuration;
import io.cocos.manager.core.vm.FoundVm;
import io.cocos.manager.core.vm.GuestDescription;
import io.cocos.manager.core.vm.Hypervisor;
import io.cocos.manager.core.vm.TeeKind;
import io.cocos.manager.core.vm.VmLaunchSpec;
import io.cocos.manager.core.vm.VmProcess;
import io.cocos.manager.core.vm.VmStartException;
import io.cocos.manager.qemu.qmp.QmpClient;
import io.cocos.manager.qemu.qmp.QmpErrorException;
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
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each CVM as a QEMU process.
 *
 * <p>How QEMU is started, and why:
 *
 * <ul>
 *   <li>stdout and stderr go, appended, straight into the CVM's console log file — never through a
 *       pipe, so a manager restart neither loses the console nor kills QEMU with SIGPIPE; stdin is
 *       /dev/null.
 *   <li>It runs in a session of its own (util-linux {@code setsid}), so a Ctrl-C or SIGHUP meant
 *       for the manager's process group does not reach it.
 *   <li>The manager is not its parent. A short-lived {@code /bin/sh} (the JVM's only child, reaped
 *       at once) starts {@code setsid qemu ...} in the background, prints its pid ({@code $!}) and
 *       exits. setsid forks only when the caller leads a process group, which that background job
 *       of a non-interactive shell never does, so setsid execs in place and the printed pid is
 *       QEMU's. Why: the JDK keeps one "process reaper" thread blocked in waitpid per live child,
 *       which made a thread per CVM. QEMU, orphaned as the shell exits, is reaped by the nearest
 *       subreaper — systemd for the installed service (PID 1, or the user manager), a container's
 *       init otherwise — and its exit is watched through QMP and /proc ({@link WatchedQemuProcess})
 *       exactly as for a QEMU adopted after a restart; a zombie left unreaped counts as exited. The
 *       price is the exit code, which only a parent learns: see {@link WatchedQemuProcess}.
 *   <li>With MANAGER_QEMU_USE_SUDO the command is {@code sudo -n qemu ...}; the pid is then sudo's,
 *       which relays SIGTERM to QEMU and is QEMU's parent. A root QEMU cannot be SIGKILLed by an
 *       unprivileged manager anyway; giving the manager's user access to /dev/kvm and /dev/sev is
 *       the better setup.
 *   <li>spawn() returns as soon as the process exists, so that its pid reaches disk before any
 *       wait; awaitReady() then waits until QEMU answers QMP's query-status on the CVM's {@code
 *       qmp.sock}: most failures (a bad option, a missing file, a host port already taken) make
 *       QEMU exit before that, and the caller then gets QEMU's own words in the {@link
 *       VmStartException}. The QMP connection stays open for the CVM's life: guest status, guest
 *       events, graceful power-down; a restarting manager connects again when it adopts.
 *   <li>Every QEMU carries {@code -name guest=<cvm id>} and {@code -pidfile <work dir>/qemu.pid},
 *       so {@link #findVms} finds it from /proc alone, whatever became of its record.
 * </ul>
 *
 * <p>Threads and concurrency: no thread per CVM. The hypervisor holds no per-CVM state (apart from
 * files named after the CVM), so calls for different CVMs run in parallel without locks. Its shared
 * threads: the poller ("qemu-exit-poller") that confirms exits in /proc, and the one QMP selector
 * thread that serves every QEMU's connection ({@link io.cocos.manager.qemu.qmp.QmpClient}). The
 * launching shell costs a JDK reaper thread for the few milliseconds it lives. See {@link
 * WatchedQemuProcess} and {@link QemuProcess} for the processes' own guarantees.
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

  /**
   * For a QEMU that has been running a while, QMP answers at once; a restart must not wait long on
   * one.
   */
  static final Duration ADOPT_QMP_TIMEOUT = Duration.ofSeconds(2);

  private final QemuConfig config;

  /**
   * Starts QEMU in the background in a session of its own, stdin /dev/null, stdout and stderr
   * appended to the console log ($1), prints its pid and exits. The command follows as "$@".
   */
  private static final String LAUNCH_SCRIPT =
      "console=$1; shift; setsid \"$@\" </dev/null >>\"$console\" 2>&1 & echo $!";

  /** How often a start-up wait looks whether QEMU still lives, when nothing else wakes it. */
  private static final Duration LIVENESS_POLL = Duration.ofMillis(10);

  /**
   * How often a starting QEMU's QMP socket is looked for: a failed connect and a /proc read cost
   * microseconds, while each millisecond between the socket's appearance and our connect is
   * CreateVm latency (with 10 ms the median CreateVm was about 5 ms slower).
   */
  private static final Duration SOCKET_POLL = Duration.ofMillis(2);

  private final ScheduledExecutorService exitPoller =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "qemu-exit-poller");
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
    return new GuestDescription(
        config.firmware().version(),
        config.processor().smpCount(),
        config.processor().cpu(),
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
      throw new VmStartException(
          "cannot build the QEMU command line for CVM " + spec.cvmId() + ": " + e.getMessage(), e);
    }
    Optional<Path> varsCopy = commandLine.ovmfVarsCopy();
    Optional<Path> disk = commandLine.disk();
    boolean running = false;
    try {
      createWorkDir(spec);
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
      throw new VmStartException(
          "interrupted while making the boot disk of CVM " + spec.cvmId(), e);
    }
    log.info(
        "made the boot disk {} of CVM {} from {} ({}) in {} ms",
        disk,
        spec.cvmId(),
        image.sourceFile(),
        image.cloning().name().toLowerCase(),
        (System.nanoTime() - began) / 1_000_000);
  }

  /** QEMU binds its QMP socket (and writes its pid file) there. */
  private static void createWorkDir(VmLaunchSpec spec) throws VmStartException {
    try {
      Files.createDirectories(spec.workDir());
    } catch (IOException e) {
      throw new VmStartException(
          "cannot create the work directory "
              + spec.workDir()
              + " of CVM "
              + spec.cvmId()
              + ": "
              + e,
          e);
    }
  }

  private void copyVarsTemplate(Path copy) throws VmStartException {
    Path template = Path.of(config.firmware().varsTemplate().file());
    try {
      Files.createDirectories(copy.getParent());
      Files.copy(template, copy, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new VmStartException(
          "cannot copy the OVMF vars file " + template + " to " + copy + ": " + e, e);
    }
  }

  /**
   * Starts QEMU and returns at once, with its pid, start time and no wait for readiness: the caller
   * persists the pid before any wait. The launching shell is the JVM's child for a few
   * milliseconds; QEMU never is.
   */
  private WatchedQemuProcess launch(VmLaunchSpec spec, QemuCommandLine commandLine)
      throws VmStartException {
    Path console = spec.consoleLog().toAbsolutePath();
    List<String> command =
        new ArrayList<>(List.of("/bin/sh", "-c", LAUNCH_SCRIPT, "sh", console.toString()));
    command.addAll(commandLine.command());
    String printed;
    long consoleStart;
    try {
      Files.createDirectories(console.getParent());
      consoleStart = sizeOf(console);
      log.info(
          "starting QEMU for CVM {}: setsid {}",
          spec.cvmId(),
          String.join(" ", commandLine.command()));
      Process shell =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(DEV_NULL))
              .redirectErrorStream(true)
              .start();
      // QEMU does not hold this pipe (its output goes to the console), so it ends as the shell
      // does.
      printed = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      int status = waitUninterruptibly(shell);
      if (status != 0 || !printed.matches("[0-9]{1,10}")) {
        throw new VmStartException(
            "cannot start QEMU for CVM "
                + spec.cvmId()
                + ": the launching shell exited with "
                + status
                + " and said "
                + bounded(printed));
      }
    } catch (IOException e) {
      throw new VmStartException(
          "cannot start QEMU for CVM " + spec.cvmId() + ": " + e.getMessage(), e);
    }
    long pid = Long.parseLong(printed);
    // A QEMU that died at once may be gone already: then it is never alive, and awaitReady says so.
    Optional<ProcFs.Stat> stat = ProcFs.stat(pid);
    Optional<ProcessHandle> handle = stat.isPresent() ? ProcessHandle.of(pid) : Optional.empty();
    Instant started = handle.flatMap(h -> h.info().startInstant()).orElseGet(Instant::now);
    return new WatchedQemuProcess(
        pid,
        handle,
        started,
        stat.map(ProcFs.Stat::startTicks).orElse(-1L),
        consoleStart,
        exitPoller,
        new GuestMonitor(spec.cvmId()),
        config.launch().powerdownTimeout());
  }

  /** The shell only forks and prints: an interrupt must not leave it unreaped. */
  private static int waitUninterruptibly(Process shell) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return shell.waitFor();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static String bounded(String text) {
    return text.isEmpty()
        ? "nothing"
        : "\"" + (text.length() <= 200 ? text : text.substring(0, 200) + "…") + "\"";
  }

  /**
   * Returns once QEMU answers QMP's query-status — every option parsed, every device created, the
   * forwarded port bound — connecting again and again until its socket exists and accepts. Fails
   * with QEMU's own words when it exits first, or with a timeout that names QMP after
   * MANAGER_QEMU_STARTUP_TIMEOUT. The connection stays open for the CVM's life (guest status and
   * events). With MANAGER_QEMU_USE_SUDO QMP's socket is root's: only MANAGER_QEMU_STARTUP_GRACE
   * then applies. A positive grace is waited in addition, QEMU having to stay alive through it.
   */
  @Override
  public void awaitReady(VmLaunchSpec spec, VmProcess vm)
      throws VmStartException, InterruptedException {
    if (!(vm instanceof WatchedQemuProcess child)) {
      throw new IllegalArgumentException("not a QEMU this hypervisor spawned: " + vm);
    }
    try {
      if (!config.launch().useSudo()) {
        awaitQmp(spec, child);
      }
      if (!config.launch().startupGrace().isZero()
          && exitsWithin(child, config.launch().startupGrace())) {
        throw failed(
            spec,
            child,
            "exited within "
                + GoDuration.format(config.launch().startupGrace())
                + " (MANAGER_QEMU_STARTUP_GRACE)");
      }
    } catch (InterruptedException e) {
      kill(spec, child);
      throw e;
    }
    child.watchExit();
    log.info(
        "QEMU for CVM {} is ready as pid {} (guest {})",
        spec.cvmId(),
        child.pid(),
        child.guestStatus().orElse("status unknown"));
  }

  private void awaitQmp(VmLaunchSpec spec, WatchedQemuProcess child)
      throws VmStartException, InterruptedException {
    Path socket = QemuCommandLine.qmpSocket(spec);
    long deadline = System.nanoTime() + config.launch().startupTimeout().toNanos();
    // Short waits: a connect to a socket not yet there costs microseconds, and every millisecond
    // of wait past the socket's appearance is CreateVm latency. Once connected, QEMU's greeting
    // and replies wake us; the waits below only find the socket.
    long backoffMillis = 1;
    String lastProblem = "its socket never accepted a connection";
    while (true) {
      if (!child.isAlive()) {
        throw failed(spec, child, "exited before it answered QMP");
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        kill(spec, child);
        throw new VmStartException(
            "QEMU for CVM "
                + spec.cvmId()
                + " did not answer QMP query-status on "
                + socket
                + " within "
                + GoDuration.format(config.launch().startupTimeout())
                + " (MANAGER_QEMU_STARTUP_TIMEOUT; "
                + lastProblem
                + "): "
                + outputSince(spec.consoleLog().toAbsolutePath(), child.consoleStart()));
      }
      QmpClient client = null;
      try {
        client =
            QmpClient.connect(socket, spec.cvmId(), child.guestMonitor(), Duration.ofNanos(left));
        JsonNode status =
            client.call(
                "query-status", Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        child.guestMonitor().attach(client, status.path("status").asText());
        return;
      } catch (IOException e) {
        lastProblem = e.getMessage(); // not listening yet, or QEMU went away: look again
      } catch (TimeoutException e) {
        lastProblem = "connected, but " + e.getMessage();
      } catch (QmpErrorException e) {
        lastProblem = e.getMessage();
      }
      if (client != null) {
        client.close();
      }
      // The liveness check comes first in the loop, after at most SOCKET_POLL.
      Thread.sleep(
          Math.min(backoffMillis, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
      backoffMillis = Math.min(backoffMillis * 2, SOCKET_POLL.toMillis());
    }
  }

  /** Whether QEMU ends within {@code time}, looking every {@link #LIVENESS_POLL}. */
  private static boolean exitsWithin(WatchedQemuProcess child, Duration time)
      throws InterruptedException {
    long deadline = System.nanoTime() + time.toNanos();
    while (child.isAlive()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.sleep(Math.min(left, LIVENESS_POLL.toNanos()));
    }
    return true;
  }

  /** QEMU failed to start: it is stopped, and its own output ends the message. */
  private VmStartException failed(VmLaunchSpec spec, WatchedQemuProcess child, String what) {
    kill(spec, child);
    return new VmStartException(
        "QEMU for CVM "
            + spec.cvmId()
            + " "
            + what
            + ": "
            + outputSince(spec.consoleLog().toAbsolutePath(), child.consoleStart()));
  }

  /** Stops a QEMU that failed to start, promptly and whatever the caller's interrupt status. */
  private void kill(VmLaunchSpec spec, WatchedQemuProcess child) {
    child.guestMonitor().close();
    boolean interrupted = Thread.interrupted();
    try {
      child.stop(Duration.ZERO);
    } catch (InterruptedException e) {
      interrupted = true;
    } catch (io.cocos.manager.core.vm.VmUnstoppableException e) {
      log.error(
          "QEMU of CVM {} (pid {}) failed to start and cannot be stopped: {}",
          spec.cvmId(),
          child.pid(),
          e.getMessage());
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    release(spec);
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
    if (started.isEmpty()
        || Duration.between(started.get(), processStart).abs().compareTo(START_TIME_TOLERANCE)
            > 0) {
      log.info(
          "pid {} of CVM {} now belongs to a process started at {}, not {}: the pid was reused",
          pid,
          spec.cvmId(),
          started.map(Instant::toString).orElse("an unknown time"),
          processStart);
      return Optional.empty();
    }
    List<String> cmdline = ProcFs.cmdline(pid);
    if (!isQemuOf(spec, cmdline)) {
      log.info(
          "pid {} is not the QEMU of CVM {}: its command line is {}", pid, spec.cvmId(), cmdline);
      return Optional.empty();
    }
    // The command line was read after the start time: if the pid changed hands in between, the
    // start ticks tell.
    Optional<ProcFs.Stat> after = ProcFs.stat(pid);
    if (after.isEmpty() || after.get().startTicks() != before.get().startTicks()) {
      log.info("QEMU of CVM {} (pid {}) ended while being adopted", spec.cvmId(), pid);
      return Optional.empty();
    }
    GuestMonitor guest = reconnect(spec);
    log.info(
        "re-attached to QEMU of CVM {} (pid {}, started {}; guest {})",
        spec.cvmId(),
        pid,
        started.get(),
        guest.status().orElse("status unknown: no QMP"));
    WatchedQemuProcess process =
        new WatchedQemuProcess(
            pid,
            handle,
            started.get(),
            before.get().startTicks(),
            0,
            exitPoller,
            guest,
            config.launch().powerdownTimeout());
    process.watchExit();
    return Optional.of(process);
  }

  /**
   * The QMP connection of an adopted QEMU; without one (sudo, a QEMU from before QMP), no guest
   * status.
   */
  private GuestMonitor reconnect(VmLaunchSpec spec) {
    GuestMonitor guest = new GuestMonitor(spec.cvmId());
    Path socket = QemuCommandLine.qmpSocket(spec);
    if (config.launch().useSudo() || !Files.exists(socket)) {
      return guest;
    }
    QmpClient client = null;
    try {
      client = QmpClient.connect(socket, spec.cvmId(), guest, ADOPT_QMP_TIMEOUT);
      guest.attach(client, client.call("query-status", ADOPT_QMP_TIMEOUT).path("status").asText());
    } catch (IOException | QmpErrorException | TimeoutException e) {
      log.warn(
          "cannot reach QMP of CVM {} at {}: {}; watching its process only",
          spec.cvmId(),
          socket,
          e.getMessage());
      if (client != null) {
        client.close();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return guest;
  }

  /**
   * Scans /proc for processes whose command line has {@code -pidfile} in a work directory under
   * {@code cvmsDir} and is QEMU's. With a wrapper (sudo) both the wrapper and its QEMU match; only
   * the QEMU, the innermost, is reported: signalling it reaches QEMU whatever the wrapper does with
   * signals.
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
    matches.forEach(
        (pid, workDir) -> {
          ProcFs.Stat stat = stats.get(pid);
          if (stat == null || stat.isZombie() || wrappers.contains(pid)) {
            return;
          }
          ProcessHandle.of(pid)
              .ifPresent(
                  handle -> {
                    // Not watched until it is signalled (stop() starts the checks): most QEMUs
                    // found are adopted
                    // as well, through adopt(), and polling each of these twins every second was a
                    // restarted
                    // manager's idle CPU.
                    found.add(
                        new FoundVm(
                            workDir,
                            new WatchedQemuProcess(
                                pid,
                                Optional.of(handle),
                                handle.info().startInstant().orElse(Instant.EPOCH),
                                stat.startTicks(),
                                0,
                                exitPoller,
                                new GuestMonitor(workDir.getParent().getFileName().toString()),
                                config.launch().powerdownTimeout())));
                  });
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
    if (!pidFile.isAbsolute()
        || !pidFile.startsWith(root)
        || pidFile.getNameCount() != root.getNameCount() + 3) {
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
      String text =
          new String(in.readNBytes(START_ERROR_OUTPUT_BYTES), StandardCharsets.UTF_8).strip();
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
