package io.cocos.manager.core.alloc;

import io.cocos.manager.core.config.PortRange;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.BitSet;
import java.util.OptionalInt;

/**
 * Hands out host ports from the configured range: a port held by no other CVM and free on the host
 * right now. Allocation walks the range round-robin so a port just released (perhaps still in
 * TIME_WAIT, or still being closed by an exiting QEMU) is the last to be handed out again.
 *
 * <p>Thread-safety: all state is guarded by this object's monitor. The host probe (one bind() of a
 * socket) runs under it; it takes microseconds and keeps check-then-hold atomic.
 */
public final class PortAllocator {
  /** Whether a port can be bound on the host now. */
  @FunctionalInterface
  public interface HostProbe {
    boolean isFree(int port);
  }

  private final PortRange range;
  private final HostProbe probe;
  private final BitSet held;
  private int cursor;

  public PortAllocator(PortRange range, HostProbe probe) {
    this.range = range;
    this.probe = probe;
    this.held = new BitSet(range.size());
  }

  public PortAllocator(PortRange range) {
    this(range, PortAllocator::bindable);
  }

  /** A port for a new CVM, now held by it; empty when every port is held or busy on the host. */
  public synchronized OptionalInt allocate() {
    for (int i = 0; i < range.size(); i++) {
      int index = (cursor + i) % range.size();
      if (held.get(index) || !probe.isFree(range.first() + index)) {
        continue;
      }
      held.set(index);
      cursor = (index + 1) % range.size();
      return OptionalInt.of(range.first() + index);
    }
    return OptionalInt.empty();
  }

  /**
   * Marks a port as held by a CVM adopted at restore; false if it was not in the range or already
   * held.
   */
  public synchronized boolean claim(int port) {
    if (!range.contains(port) || held.get(port - range.first())) {
      return false;
    }
    held.set(port - range.first());
    return true;
  }

  public synchronized void release(int port) {
    if (range.contains(port)) {
      held.clear(port - range.first());
    }
  }

  /** Ports in the range not held by a CVM (some may still be busy on the host). */
  public synchronized int unheld() {
    return range.size() - held.cardinality();
  }

  public PortRange range() {
    return range;
  }

  /** QEMU's user-mode forward listens on every IPv4 address, so that is what must be free. */
  static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress("0.0.0.0", port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
