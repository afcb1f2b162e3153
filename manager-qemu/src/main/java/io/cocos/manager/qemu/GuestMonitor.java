package io.cocos.manager.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import io.cocos.manager.core.vm.GuestEvent;
import io.cocos.manager.qemu.qmp.QmpClient;
import io.cocos.manager.qemu.qmp.QmpEvent;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One QEMU's QMP connection, seen in the domain's terms: the guest's run state (QMP's query-status)
 * and its events (SHUTDOWN, RESET, STOP, RESUME, GUEST_PANICKED) as {@link GuestEvent}s. It lives
 * as long as the QEMU: QEMU closes it when it exits.
 *
 * <p>Concurrency: the fields are volatile and written by the QMP selector thread (events and the
 * status refresh each event triggers, whose reply it also handles) or, once, by whoever attaches
 * the client; readers take what is there. The domain's listener is called on the selector thread,
 * in QMP's order, and must not block: the lifecycle's only publishes the event (a log line and
 * queue appends), taking no lock. Handing it to another thread would let the guest's SHUTDOWN event
 * arrive after the exit it explains.
 */
final class GuestMonitor implements QmpClient.EventListener {
  private static final Logger log = LoggerFactory.getLogger(GuestMonitor.class);

  /**
   * How long a reason may take to arrive after QEMU's exit: QEMU sends SHUTDOWN before it exits.
   */
  private static final Duration LAST_WORDS = Duration.ofSeconds(1);

  private final String cvmId;
  private volatile QmpClient client;
  private volatile String status;
  private volatile String shutdownReason;
  private volatile Consumer<GuestEvent> listener = e -> {};

  GuestMonitor(String cvmId) {
    this.cvmId = cvmId;
  }

  String cvmId() {
    return cvmId;
  }

  /** The connection, once readiness or adoption made it. */
  void attach(QmpClient connected, String initialStatus) {
    this.client = connected;
    this.status = initialStatus;
  }

  Optional<QmpClient> client() {
    QmpClient c = client;
    return c != null && c.isOpen() ? Optional.of(c) : Optional.empty();
  }

  /** Completes when the QMP connection ends; never when there is none. */
  CompletableFuture<Void> connectionEnded() {
    QmpClient c = client;
    return c == null ? new CompletableFuture<>() : c.closed();
  }

  /**
   * Whether QMP has nothing more to say: its connection ended (after QEMU's last event was
   * delivered) or there never was one.
   */
  boolean qmpEnded() {
    QmpClient c = client;
    return c == null || !c.isOpen();
  }

  Optional<String> status() {
    return Optional.ofNullable(status);
  }

  void onGuestEvent(Consumer<GuestEvent> newListener) {
    this.listener = newListener;
  }

  /**
   * The last SHUTDOWN's reason, after waiting briefly for the connection to end (QEMU's last
   * words).
   */
  Optional<String> shutdownReason() {
    QmpClient c = client;
    if (c != null && shutdownReason == null) {
      try {
        c.closed().get(LAST_WORDS.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        log.debug("QMP of CVM {} still open after the exit: {}", cvmId, e.toString());
      }
    }
    return Optional.ofNullable(shutdownReason);
  }

  /** The last SHUTDOWN's reason as far as it has arrived, without waiting. */
  Optional<String> announcedShutdownReason() {
    return Optional.ofNullable(shutdownReason);
  }

  void close() {
    QmpClient c = client;
    if (c != null) {
      c.close();
    }
  }

  @Override
  public void onEvent(QmpEvent event) {
    JsonNode data = event.data();
    GuestEvent guest =
        switch (event.name()) {
          case "SHUTDOWN" -> {
            shutdownReason = data.path("reason").asText("");
            status = "shutdown";
            yield new GuestEvent(GuestEvent.Kind.SHUTDOWN, shutdownReason, event.time());
          }
          case "RESET" ->
              new GuestEvent(GuestEvent.Kind.RESET, data.path("reason").asText(""), event.time());
          case "STOP" -> new GuestEvent(GuestEvent.Kind.STOPPED, "", event.time());
          case "RESUME" -> new GuestEvent(GuestEvent.Kind.RESUMED, "", event.time());
          case "GUEST_PANICKED" -> {
            status = "guest-panicked";
            yield new GuestEvent(
                GuestEvent.Kind.PANICKED,
                "action " + data.path("action").asText("unknown"),
                event.time());
          }
          default -> null;
        };
    if (guest == null) {
      log.debug("QMP event {} of CVM {}", event.name(), cvmId);
      return;
    }
    if (guest.kind() != GuestEvent.Kind.SHUTDOWN) {
      refreshStatus(); // STOP alone does not say why (paused, internal-error, io-error...)
    }
    listener.accept(guest);
  }

  private void refreshStatus() {
    QmpClient c = client;
    if (c == null) {
      return;
    }
    c.execute("query-status")
        .whenComplete(
            (reply, failure) -> {
              if (reply != null) {
                status = reply.path("status").asText(status);
              }
            });
  }
}
