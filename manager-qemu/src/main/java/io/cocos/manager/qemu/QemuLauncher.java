package io.cocos.manager.qemu;

import io.cocos.manager.core.concurrent.Uninterruptibly;
import io.cocos.manager.core.vm.VmLaunchSpec;
import io.cocos.manager.core.vm.VmStartException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a CVM's QEMU, detached from the manager, and returns at once with its pid.
 *
 * <ul>
 *   <li>stdout and stderr go, appended, straight into the CVM's console log file — never through a
 *       pipe, so a manager restart neither loses the console nor kills QEMU with SIGPIPE; stdin is
 *       /dev/null.
 *   <li>It runs in a session of its own (util-linux {@code setsid}), so a Ctrl-C or SIGHUP meant
 *       for the manager's process group does not reach it.
 *   <li>The manager is not its parent: its parent is a small {@link QemuWrapper} shell, in a
 *       session of its own too, that waits for QEMU and leaves its exit status in the work
 *       directory. A short-lived {@code /bin/sh} (the JVM's only child, reaped at once) starts that
 *       wrapper in the background, passes on the pids it prints (QEMU's and its own) and exits. Why
 *       not the JVM: the JDK keeps one "process reaper" thread blocked in waitpid per live child,
 *       which made a thread per CVM. The wrapper, orphaned as the launching shell exits, is reaped
 *       by the nearest subreaper — systemd for the installed service (PID 1, or the user manager),
 *       a container's init otherwise. QEMU's exit is watched through QMP and /proc ({@link
 *       WatchedQemuProcess}) exactly as for a QEMU adopted after a restart, and its status read
 *       from the wrapper's file.
 *   <li>With MANAGER_QEMU_USE_SUDO the command is {@code sudo -n qemu ...}; the pid is then sudo's,
 *       which relays SIGTERM to QEMU and is QEMU's parent. A root QEMU cannot be SIGKILLed by an
 *       unprivileged manager anyway; giving the manager's user access to /dev/kvm and /dev/sev is
 *       the better setup.
 * </ul>
 *
 * <p>The launching shell costs a JDK reaper thread for the few milliseconds it lives.
 */
final class QemuLauncher {
  private static final Logger log = LoggerFactory.getLogger(QemuLauncher.class);

  private static final File DEV_NULL = new File("/dev/null");

  /**
   * Starts the wrapper script ($1) in the background in a session of its own, with the console log,
   * the status file and the command as its arguments, and prints what the wrapper printed (the
   * pids). It waits for that through a command substitution, which ends when the wrapper lets go of
   * its stdout: the JDK stops reading a child's output once the child has exited, so the shell must
   * not exit before the pids have come.
   */
  private static final String LAUNCH_SCRIPT =
      "wrapper=$1; shift; pids=$(setsid /bin/sh -c \"$wrapper\" "
          + QemuWrapper.NAME
          + " \"$@\" </dev/null &); echo \"$pids\"";

  private final ScheduledExecutorService exitPoller;
  private final Duration powerdownTimeout;

  QemuLauncher(ScheduledExecutorService exitPoller, Duration powerdownTimeout) {
    this.exitPoller = exitPoller;
    this.powerdownTimeout = powerdownTimeout;
  }

  /**
   * Starts QEMU and returns at once, with its pid, start time and no wait for readiness: the caller
   * persists the pid before any wait. The launching shell is the JVM's child for a few
   * milliseconds; QEMU never is.
   */
  WatchedQemuProcess launch(VmLaunchSpec spec, QemuCommandLine commandLine)
      throws VmStartException {
    Path console = spec.consoleLog().toAbsolutePath();
    List<String> command =
        new ArrayList<>(
            List.of(
                "/bin/sh",
                "-c",
                LAUNCH_SCRIPT,
                "sh",
                QemuWrapper.SCRIPT,
                console.toString(),
                QemuWrapper.statusFileIn(spec.workDir().toAbsolutePath()).toString()));
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
      // QEMU does not hold this pipe (its output goes to the console), and the wrapper lets go of
      // it once it has printed the pids, so it ends then.
      printed = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      // The shell only forks and prints: an interrupt must not leave it unreaped.
      int status = Uninterruptibly.await(shell::waitFor);
      if (status != 0 || !printed.matches("[0-9]{1,10} [0-9]{1,10}")) {
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
    String[] pids = printed.split(" ");
    long pid = Long.parseLong(pids[0]);
    long wrapperPid = Long.parseLong(pids[1]);
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
        powerdownTimeout,
        new QemuWrapper(
            QemuWrapper.statusFileIn(spec.workDir()),
            wrapperPid,
            ProcFs.stat(wrapperPid).map(ProcFs.Stat::startTicks).orElse(-1L)));
  }

  private static String bounded(String text) {
    return text.isEmpty()
        ? "nothing"
        : "\"" + (text.length() <= 200 ? text : text.substring(0, 200) + "…") + "\"";
  }

  private static long sizeOf(Path file) throws IOException {
    try {
      return Files.size(file);
    } catch (NoSuchFileException e) {
      return 0;
    }
  }
}
