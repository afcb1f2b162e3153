package io.cocos.manager.core.cvm;

import io.cocos.manager.core.store.CvmPaths;
import io.cocos.manager.core.vm.VmLaunchSpec;
import io.cocos.manager.core.vm.VmProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One CVM. The fields without volatile are guarded by {@link #lock}; what that lock serialises, and
 * which locks may be taken under it, is in {@link CvmRegistry}'s "Concurrency" section.
 */
final class Cvm {
  final String id;
  final CvmPaths paths;
  final ReentrantLock lock = new ReentrantLock();
  final CvmLease lease;

  /**
   * Console lines logged per second. It lives and dies with the CVM: a line the watcher reads after
   * the CVM left the registry finds no budget, so none can outlive it. Only the console-watcher
   * thread touches it.
   */
  final ConsoleLogBudget consoleBudget = new ConsoleLogBudget();

  /** Replaced under the lock (by {@link CvmRegistry#transition} mostly); read without it. */
  volatile CvmRecord record;

  VmLaunchSpec spec;

  /**
   * Written under the lock; volatile for {@link LifecycleManager#close} and {@link
   * CvmRegistry#guestStatus}, which read it without.
   */
  volatile VmProcess process;

  /** The guest's status when its VM ended (or empty): what ListVms shows afterwards. */
  volatile String lastGuestStatus = "";

  /** From CreateVm to the agent's first answer; null until then. */
  volatile Duration agentReadyAfter;

  ScheduledFuture<?> ttlTimer;

  Cvm(String id, CvmPaths paths, CvmRecord record, CvmLease lease) {
    this.id = id;
    this.paths = paths;
    this.record = record;
    this.lease = lease;
  }

  /** Cancels the TTL timer, if one is armed. Caller holds the lock. */
  void cancelTtl() {
    if (ttlTimer != null) {
      ttlTimer.cancel(false);
    }
  }

  /** The console log's size: where following it starts (0 if it cannot be read). */
  long consoleSize() {
    try {
      return Files.size(paths.consoleLog());
    } catch (IOException e) {
      return 0;
    }
  }
}
