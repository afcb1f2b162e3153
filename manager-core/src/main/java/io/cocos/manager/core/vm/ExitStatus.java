package io.cocos.manager.core.vm;

import java.util.List;
import java.util.OptionalInt;

/**
 * How a VM's process ended, exactly as a POSIX shell's {@code $?} reports it: its exit code (0 to
 * 255), 128+N when signal N killed it, or {@link #UNKNOWN} (-1) when nobody who saw the end left
 * the status.
 *
 * <p>The code 128+N (N a real signal number, 1 to {@link #MAX_SIGNAL}) reads as "killed by signal
 * N": a shell cannot tell it from a process that exited with that code itself. QEMU's own exit
 * codes are 0 and 1 (small), so for a QEMU it is the signal. ListVms' {@code exit_code} carries
 * {@link #exitCode()} unchanged.
 */
public record ExitStatus(int exitCode) {
  /** Nothing known: the process was not watched by whoever could learn its status. */
  public static final ExitStatus UNKNOWN = new ExitStatus(VmProcess.UNKNOWN_EXIT_CODE);

  /** Linux's highest signal number (SIGRTMAX). */
  public static final int MAX_SIGNAL = 64;

  /** Linux's (x86, arm) signal names 1 to 31, by number. */
  private static final List<String> NAMES =
      List.of(
          "", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV",
          "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU",
          "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS");

  public ExitStatus {
    if (exitCode < -1 || exitCode > 255) {
      throw new IllegalArgumentException("not an exit status: " + exitCode);
    }
  }

  /** A process that exited with {@code code} (0 to 255). */
  public static ExitStatus exited(int code) {
    return new ExitStatus(code);
  }

  /** A process that signal {@code signal} killed. */
  public static ExitStatus killedBy(int signal) {
    if (signal < 1 || signal > MAX_SIGNAL) {
      throw new IllegalArgumentException("not a signal number: " + signal);
    }
    return new ExitStatus(128 + signal);
  }

  /** Whether the status is known. */
  public boolean isKnown() {
    return exitCode >= 0;
  }

  /** The signal that killed the process, if one did. */
  public OptionalInt signal() {
    return exitCode > 128 && exitCode <= 128 + MAX_SIGNAL
        ? OptionalInt.of(exitCode - 128)
        : OptionalInt.empty();
  }

  /** "exit code 3", "killed by signal 9 (SIGKILL)", or "exit status unknown". */
  public String describe() {
    if (!isKnown()) {
      return "exit status unknown";
    }
    OptionalInt signal = signal();
    if (signal.isEmpty()) {
      return "exit code " + exitCode;
    }
    int n = signal.getAsInt();
    return "killed by signal " + n + (n < NAMES.size() ? " (SIG" + NAMES.get(n) + ")" : "");
  }

  @Override
  public String toString() {
    return describe();
  }
}
