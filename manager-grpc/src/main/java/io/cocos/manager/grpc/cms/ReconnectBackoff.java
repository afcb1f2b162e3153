package io.cocos.manager.grpc.cms;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Delays between attempts to reach the CMS: 1 s, doubling up to 60 s (1, 2, 4, 8, 16, 32, 60), each
 * spread by ±20 % so that many managers cut off by the same CMS outage do not all call back in the
 * same second. Not thread-safe: the link uses it from its own thread only.
 */
final class ReconnectBackoff {
  static final Duration FIRST = Duration.ofSeconds(1);
  static final Duration MAX = Duration.ofSeconds(60);
  static final double JITTER = 0.2;

  /**
   * One delay: the level it belongs to (what the log shows) and the jittered pause before the
   * attempt.
   */
  record Delay(Duration level, Duration pause) {}

  private final DoubleSupplier random;
  private Duration level = FIRST;

  /**
   * @param random uniform in [0, 1)
   */
  ReconnectBackoff(DoubleSupplier random) {
    this.random = random;
  }

  /** The delay before the next attempt; the one after it will be twice as long, up to MAX. */
  Delay next() {
    Duration current = level;
    long millis = Math.round(current.toMillis() * (1 - JITTER + 2 * JITTER * random.getAsDouble()));
    Duration doubled = current.multipliedBy(2);
    level = doubled.compareTo(MAX) > 0 ? MAX : doubled;
    return new Delay(current, Duration.ofMillis(millis));
  }

  /** Back to the first level, after the link has been healthy for a while. */
  void reset() {
    level = FIRST;
  }
}
