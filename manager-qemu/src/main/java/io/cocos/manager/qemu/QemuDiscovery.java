package io.cocos.manager.qemu;

import io.cocos.manager.core.vm.FoundVm;
import io.cocos.manager.core.vm.VmLaunchSpec;
import io.cocos.manager.qemu.args.PidFile;
import io.cocos.manager.qemu.qmp.QmpClient;
import io.cocos.manager.qemu.qmp.QmpErrorException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the QEMUs an earlier manager left running: by pid and start time from their record ({@link
 * #adopt}), or by their command line in /proc ({@link #findVms}). Every QEMU carries {@code -name
 * guest=<cvm id>} and {@code -pidfile <work dir>/qemu.pid}, so it is found from /proc alone,
 * whatever became of its record. An adopted QEMU is reached over QMP again.
 */
final class QemuDiscovery {
  private static final Logger log = LoggerFactory.getLogger(QemuDiscovery.class);

  /**
   * How far a process's start time may be from the persisted one and still be the same process.
   * /proc gives start times in clock ticks since boot; the JDK turns them into instants with the
   * boot time, which the kernel reports in whole seconds and recomputes from the wall clock — so
   * two readings by two manager runs can differ by up to a second. The command-line check does the
   * real identification.
   */
  static final Duration START_TIME_TOLERANCE = Duration.ofSeconds(1);

  /**
   * For a QEMU that has been running a while, QMP answers at once; a restart must not wait long on
   * one.
   */
  static final Duration ADOPT_QMP_TIMEOUT = Duration.ofSeconds(2);

  private final QemuConfig.Launch launch;
  private final ScheduledExecutorService exitPoller;

  QemuDiscovery(QemuConfig.Launch launch, ScheduledExecutorService exitPoller) {
    this.launch = launch;
    this.exitPoller = exitPoller;
  }

  /**
   * The QEMU of {@code spec} as pid {@code pid}, if it still runs, started at {@code processStart},
   * and its command line is this CVM's QEMU's.
   */
  Optional<WatchedQemuProcess> adopt(VmLaunchSpec spec, long pid, Instant processStart) {
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
            launch.powerdownTimeout(),
            QemuWrapper.parentOf(pid, spec.workDir()));
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
    if (launch.useSudo() || !Files.exists(socket)) {
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
   * {@code cvmsDir} and is QEMU's; a {@link QemuWrapper}, whose command line names the same, is not
   * one. With a wrapper (sudo) both the wrapper and its QEMU match; only the QEMU, the innermost,
   * is reported: signalling it reaches QEMU whatever the wrapper does with signals.
   */
  List<FoundVm> findVms(Path cvmsDir) {
    Path root = cvmsDir.toAbsolutePath().normalize();
    Map<Long, Path> matches = new HashMap<>();
    try {
      for (long pid : ProcFs.pidsWithArgument(PidFile.OPTION)) {
        workDirOf(ProcFs.cmdline(pid), root).ifPresent(dir -> matches.put(pid, dir));
      }
    } catch (IOException e) {
      log.warn("cannot scan /proc for QEMU processes: {}", e.getMessage());
      return List.of();
    }
    Map<Long, ProcFs.Stat> stats = new HashMap<>();
    matches.keySet().forEach(pid -> ProcFs.stat(pid).ifPresent(stat -> stats.put(pid, stat)));
    Set<Long> wrappers = new HashSet<>();
    stats.values().forEach(stat -> wrappers.add(stat.parentPid()));
    List<FoundVm> found = new ArrayList<>();
    matches.forEach(
        (pid, workDir) -> {
          ProcFs.Stat stat = stats.get(pid);
          if (stat == null || stat.isZombie() || wrappers.contains(pid)) {
            return;
          }
          ProcessHandle.of(pid).ifPresent(handle -> found.add(found(pid, workDir, stat, handle)));
        });
    return found;
  }

  /**
   * Not watched until it is signalled (stop() starts the checks): most QEMUs found are adopted as
   * well, through adopt(), and polling each of these twins every second was a restarted manager's
   * idle CPU.
   */
  private FoundVm found(long pid, Path workDir, ProcFs.Stat stat, ProcessHandle handle) {
    return new FoundVm(
        workDir,
        new WatchedQemuProcess(
            pid,
            Optional.of(handle),
            handle.info().startInstant().orElse(Instant.EPOCH),
            stat.startTicks(),
            0,
            exitPoller,
            new GuestMonitor(workDir.getParent().getFileName().toString()),
            launch.powerdownTimeout(),
            QemuWrapper.parentOf(pid, workDir)));
  }

  /** The work directory a QEMU command line's pid file is in, when it is under {@code root}. */
  private Optional<Path> workDirOf(List<String> cmdline, Path root) {
    String binary = fileName(launch.binPath());
    if (QemuWrapper.isWrapper(cmdline)
        || cmdline.stream().noneMatch(arg -> fileName(arg).equals(binary))) {
      return Optional.empty();
    }
    int i = cmdline.indexOf(PidFile.OPTION);
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
    String binary = fileName(launch.binPath());
    return !spec.cvmId().isBlank()
        && cmdline.stream().anyMatch(arg -> fileName(arg).equals(binary))
        && cmdline.stream().anyMatch(arg -> arg.contains(spec.cvmId()));
  }

  private static String fileName(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
