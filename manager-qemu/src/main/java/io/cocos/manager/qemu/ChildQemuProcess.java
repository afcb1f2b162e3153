package io.cocos.manager.qemu;

import java.time.Duration;
import java.time.Instant;

/**
 * A QEMU this manager started. The JDK reaps it (a "process reaper" thread blocks in waitpid), so
 * the exit is known at once and with its real code — 128 + signal number when a signal ended it.
 */
final class ChildQemuProcess extends QemuProcess {
  private final Process process;
  /** The console log's size before QEMU started: where its start-up output begins. */
  private final long consoleStart;

  ChildQemuProcess(Process process, long consoleStart, GuestMonitor guest, Duration powerdownTimeout) {
    super(process.pid(),
        // The info can only be missing if the process was already reaped, and then start() fails
        // it anyway; the launch time is the best stand-in for that moment.
        process.info().startInstant().orElseGet(Instant::now),
        process.onExit().thenApply(Process::exitValue), guest, powerdownTimeout);
    this.process = process;
    this.consoleStart = consoleStart;
  }

  Process process() {
    return process;
  }

  long consoleStart() {
    return consoleStart;
  }

  @Override
  void terminate() {
    process.destroy();
  }

  @Override
  void kill() {
    process.destroyForcibly();
  }

  @Override
  public boolean isAlive() {
    return process.isAlive();
  }
}
