package io.cocos.manager.grpc.ui;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * How many live streams (feeds and consoles) are open, in all and per client address: a stream is
 * admitted only under both caps (MANAGER_HTTP_UI_MAX_STREAMS, {@link #PER_CLIENT}), so no client
 * can take them all and the manager's cost stays bounded. Every admitted stream releases its place
 * exactly once, when its connection closes.
 *
 * <p>Locking: {@code this} guards {@link #open} and {@link #byClient}.
 */
final class StreamLimits {
  /** Streams one client address may hold at once: a few tabs, each a feed and a console. */
  static final int PER_CLIENT = 8;

  private final int max;
  private int open;
  private final Map<InetAddress, Integer> byClient = new HashMap<>();

  StreamLimits(int max) {
    this.max = max;
  }

  /** Takes a place for a stream of this client; false when a cap is reached. */
  synchronized boolean acquire(InetAddress client) {
    int mine = byClient.getOrDefault(client, 0);
    if (open >= max || mine >= PER_CLIENT) {
      return false;
    }
    open++;
    byClient.put(client, mine + 1);
    return true;
  }

  synchronized void release(InetAddress client) {
    open--;
    byClient.computeIfPresent(client, (c, n) -> n <= 1 ? null : n - 1);
  }

  synchronized int open() {
    return open;
  }
}
