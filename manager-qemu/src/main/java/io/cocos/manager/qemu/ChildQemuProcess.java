package io.cocos.manager.qemu;

import java.time.Instant;

/**
 * A QEMU this manager started. The JDK reaps it (a "process reaper" thread blocks in waitpid), so
 * the exit is known at once and with its real code — 128 + signal number when a signal ended it.
 */
final class ChildQemuProcess extends QemuProcess {
  private final Process process;

  ChildQemuProcess(Process process) {
    super(process.pid(),
        // The info can only be missing if the process was already reaped, and then start() fails
        // it anyway; the launch time is the best stand-in for that moment.
        process.info().startInstant().orElseGet(Instant::now),
        process.onExit().thenApply(Process::exitValue));
    this.process = process;
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
