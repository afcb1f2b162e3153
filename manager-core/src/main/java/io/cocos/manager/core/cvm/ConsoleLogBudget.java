package io.cocos.manager.core.cvm;

/**
 * How many console lines of one CVM the manager copies into its own log: at most {@link
 * #LINES_PER_SECOND} a second, so a guest flooding its console cannot flood the journal. The
 * console file keeps every line. Used by the console-watcher thread only.
 */
final class ConsoleLogBudget {
  static final int LINES_PER_SECOND = 200;
  private long second = -1;
  private int used;
  private long suppressed;

  /**
   * Lines refused since the last call in an earlier second, reported once when a new second starts.
   */
  long suppressedBefore(long nowMillis) {
    long now = nowMillis / 1000;
    if (now == second) {
      return 0;
    }
    second = now;
    used = 0;
    long report = suppressed;
    suppressed = 0;
    return report;
  }

  boolean take() {
    if (used < LINES_PER_SECOND) {
      used++;
      return true;
    }
    suppressed++;
    return false;
  }
}
