package io.cocos.manager.core.event;

import io.cocos.manager.core.console.ConsoleWatcher;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lifecycle events and console lines, delivered to subscribers in the publisher's thread, in order
 * per publisher. A listener that throws is logged and skipped; the others still get the event.
 * Subscribing and unsubscribing are safe at any time (copy-on-write lists).
 */
public final class EventBus implements CvmEvents {
  private static final Logger log = LoggerFactory.getLogger(EventBus.class);

  private final List<CvmEventListener> eventListeners = new CopyOnWriteArrayList<>();
  private final List<ConsoleWatcher.LineListener> lineListeners = new CopyOnWriteArrayList<>();

  @Override
  public AutoCloseable subscribe(CvmEventListener listener) {
    eventListeners.add(listener);
    return () -> eventListeners.remove(listener);
  }

  @Override
  public AutoCloseable subscribeConsole(ConsoleWatcher.LineListener listener) {
    lineListeners.add(listener);
    return () -> lineListeners.remove(listener);
  }

  public void publish(CvmEvent event) {
    for (CvmEventListener l : eventListeners) {
      try {
        l.onEvent(event);
      } catch (RuntimeException e) {
        log.warn("event listener failed: {}", e.toString());
      }
    }
  }

  public void publishLine(String cvmId, String line) {
    for (ConsoleWatcher.LineListener l : lineListeners) {
      try {
        l.onLine(cvmId, line);
      } catch (RuntimeException e) {
        log.warn("console listener failed: {}", e.toString());
      }
    }
  }
}
