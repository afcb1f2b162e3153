package io.cocos.manager.grpc.cms;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When the {@link CmsLink} tries again after a stream ended, and what it says about it: the delays
 * of {@link ReconnectBackoff}, started over after a stream that stayed up for {@link
 * #HEALTHY_SESSION}; each new delay level logged once, not every attempt (and the reason again
 * whenever it changes). Used by the link thread only.
 */
final class Reconnects {
  /** A stream that lasted this long was healthy: the next outage starts the delays over at 1 s. */
  static final Duration HEALTHY_SESSION = Duration.ofSeconds(10);

  /** The link's logger: the outage is the link's to report. */
  private static final Logger log = LoggerFactory.getLogger(CmsLink.class);

  private final ReconnectBackoff backoff =
      new ReconnectBackoff(() -> ThreadLocalRandom.current().nextDouble());
  private Duration lastLoggedLevel;
  private String lastLoggedReason;

  /** A stream is up: the next outage is reported afresh. */
  void connected() {
    lastLoggedLevel = null;
    lastLoggedReason = null;
  }

  /**
   * A stream ended (or never began) for {@code reason}: reports it and says how long to wait.
   *
   * @param establishedAt when the stream was established; null if it never was
   */
  Duration ended(Instant establishedAt, String reason) {
    boolean wasUp = establishedAt != null;
    if (wasUp && Duration.between(establishedAt, Instant.now()).compareTo(HEALTHY_SESSION) >= 0) {
      backoff.reset();
    }
    ReconnectBackoff.Delay delay = backoff.next();
    if (wasUp || !delay.level().equals(lastLoggedLevel) || !reason.equals(lastLoggedReason)) {
      log.warn(
          "CMS link down: {}; retrying, attempts now ~{}s apart",
          reason,
          delay.level().toSeconds());
      lastLoggedLevel = delay.level();
      lastLoggedReason = reason;
    } else {
      log.debug("CMS link still down: {}; next attempt in {} ms", reason, delay.pause().toMillis());
    }
    return delay.pause();
  }
}
