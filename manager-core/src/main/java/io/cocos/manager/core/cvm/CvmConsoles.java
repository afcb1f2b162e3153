package io.cocos.manager.core.cvm;

import io.cocos.manager.core.console.ConsoleSource;
import io.cocos.manager.core.console.ConsoleWatcher;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CVMs' consoles: followed while their QEMU runs, each line published and copied into the
 * manager's log within the CVM's {@link ConsoleLogBudget}, and read by StreamLogs ({@link
 * #source}).
 */
final class CvmConsoles implements AutoCloseable {
  private static final Logger consoleLog = LoggerFactory.getLogger("io.cocos.manager.console");

  private final CvmRegistry registry;
  private final Clock clock;
  private final ConsoleWatcher watcher;

  CvmConsoles(CvmRegistry registry, Clock clock, long maxFileSize) {
    this.registry = registry;
    this.clock = clock;
    this.watcher = new ConsoleWatcher(this::onLine, Duration.ofMillis(200), maxFileSize);
  }

  /** Follows the CVM's console log from {@code offset}. */
  void follow(Cvm cvm, long offset) {
    watcher.follow(cvm.id, cvm.paths.consoleLog(), offset);
  }

  void stop(String cvmId) {
    watcher.stop(cvmId);
  }

  /** The CVM's console for StreamLogs. */
  ConsoleSource source(String cvmId) throws ManagerException {
    Cvm cvm = registry.require(cvmId);
    // Ended once QEMU can write no more: a stopping QEMU still prints its last lines.
    return new ConsoleSource(
        cvmId,
        watcher.log(cvmId, cvm.paths.consoleLog()),
        () -> {
          CvmState state = cvm.record.state();
          return !registry.holds(cvm)
              || switch (state) {
                case PROVISIONING, RUNNING -> false;
                case STOPPING -> !watcher.follows(cvmId); // followed until its QEMU has stopped
                default -> true;
              };
        });
  }

  private void onLine(String cvmId, String line) {
    Cvm cvm = registry.find(cvmId);
    CvmState state = cvm == null ? CvmState.REMOVED : cvm.record.state();
    ConsoleLogBudget budget = cvm == null ? null : cvm.consoleBudget;
    try (var context = CvmLogContext.of(cvmId, state)) {
      long suppressed = budget == null ? 0 : budget.suppressedBefore(clock.millis());
      if (suppressed > 0) {
        consoleLog.warn(
            "{} console lines were not logged (more than {} a second); StreamLogs and {} have them all",
            suppressed,
            ConsoleLogBudget.LINES_PER_SECOND,
            cvm.paths.consoleLog());
      }
      if (budget == null || budget.take()) {
        consoleLog.info(line);
      }
    }
    registry.publishLine(cvmId, line);
  }

  @Override
  public void close() {
    watcher.close();
  }
}
