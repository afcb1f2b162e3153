package io.cocos.manager.qemu;

import io.cocos.manager.core.vm.ExitStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The small shell that is each QEMU's parent, as Podman's conmon or containerd's shims are a
 * container's: it starts QEMU, waits for it and leaves its status ({@code $?}: the exit code, or
 * 128+N when signal N killed it) in the file {@value #STATUS_FILE} of the CVM's work directory,
 * atomically (a temporary file renamed). It runs in a session of its own, reparented to the nearest
 * subreaper once the launching shell exits, and outlives any manager: a QEMU that ends while no
 * manager runs still leaves its status. It costs the manager no thread.
 *
 * <p>One instance names a QEMU's wrapper process (pid and start ticks, to tell a reused pid), or
 * none when the QEMU has no wrapper (started by a manager before the wrapper, or the wrapper
 * already gone).
 *
 * @param startTicks the wrapper's start time from /proc/&lt;pid&gt;/stat; -1 when it is not known
 *     to run
 */
record QemuWrapper(Path statusFile, long pid, long startTicks) {
  private static final Logger log = LoggerFactory.getLogger(QemuWrapper.class);

  /** The file the wrapper writes QEMU's status to, in the work directory. */
  static final String STATUS_FILE = "qemu.status";

  /** The wrapper's {@code $0}: how the /proc scan tells it from the QEMU on its command line. */
  static final String NAME = "cocos-qemu-wrapper";

  /**
   * The wrapper, run as {@code sh -c SCRIPT cocos-qemu-wrapper <console> <status file> <command>}.
   * umask 077: QEMU's files (pid file, QMP socket, a new console log) and the status are the
   * manager user's alone, whatever the manager's umask. QEMU runs in a session of its own (setsid
   * execs in place: a background job of a non-interactive shell never leads a process group), stdin
   * /dev/null, output appended to the console. The wrapper prints "qemu-pid wrapper-pid", lets go
   * of the launcher's pipe and ignores the signals a session's end or a terminal sends.
   */
  static final String SCRIPT =
      "umask 077; console=$1; status=$2; shift 2; "
          + "setsid \"$@\" </dev/null >>\"$console\" 2>&1 & qemu=$!; "
          + "echo \"$qemu $$\"; exec >/dev/null 2>&1; trap '' HUP INT TERM; "
          + "wait \"$qemu\"; code=$?; "
          + "echo \"$code\" >\"$status.tmp\" && mv -f \"$status.tmp\" \"$status\"";

  /** No wrapper: nobody will write a status. */
  static QemuWrapper none(Path workDir) {
    return new QemuWrapper(statusFileIn(workDir), 0, -1);
  }

  /** The wrapper of the QEMU with pid {@code qemuPid}, when its parent is one. */
  static QemuWrapper parentOf(long qemuPid, Path workDir) {
    Optional<ProcFs.Stat> qemu = ProcFs.stat(qemuPid);
    if (qemu.isEmpty()) {
      return none(workDir);
    }
    long parent = qemu.get().parentPid();
    Optional<ProcFs.Stat> stat = ProcFs.stat(parent);
    if (stat.isEmpty() || !isWrapper(ProcFs.cmdline(parent))) {
      return none(workDir);
    }
    return new QemuWrapper(statusFileIn(workDir), parent, stat.get().startTicks());
  }

  /** Whether a command line is a wrapper's (which names QEMU's binary and pid file too). */
  static boolean isWrapper(List<String> cmdline) {
    return cmdline.size() > 3 && cmdline.get(1).equals("-c") && cmdline.get(3).equals(NAME);
  }

  static Path statusFileIn(Path workDir) {
    return workDir.resolve(STATUS_FILE);
  }

  /**
   * Whether a status may still come: the wrapper runs (it writes the status before it exits, so
   * once it is gone or a zombie, what is there is all there will be).
   */
  boolean mayStillWrite() {
    return pid > 0
        && ProcFs.stat(pid).filter(s -> s.startTicks() == startTicks && !s.isZombie()).isPresent();
  }

  /** The status the wrapper left, if it has. */
  Optional<ExitStatus> status() {
    return read(statusFile);
  }

  /** The status left in {@code file}: a number 0 to 255; empty when absent or not one. */
  static Optional<ExitStatus> read(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII).strip();
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      log.warn("cannot read QEMU's exit status from {}: {}", file, e.toString());
      return Optional.empty();
    }
    if (!text.matches("[0-9]{1,3}") || Integer.parseInt(text) > 255) {
      log.warn("{} holds no exit status: \"{}\"", file, text.length() > 20 ? "…" : text);
      return Optional.empty();
    }
    return Optional.of(new ExitStatus(Integer.parseInt(text)));
  }
}
