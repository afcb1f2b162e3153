package io.cocos.manager.core.alloc;

import java.util.BitSet;
import java.util.OptionalInt;

/**
 * Hands out distinct vsock guest CIDs, lowest free first, starting at the configured first CID.
 * Thread-safety: all state is guarded by this object's monitor.
 */
public final class CidAllocator {
  private final int first;
  private final int capacity;
  private final BitSet held = new BitSet();

  public CidAllocator(int first, int capacity) {
    this.first = first;
    this.capacity = capacity;
  }

  public synchronized OptionalInt allocate() {
    int index = held.nextClearBit(0);
    if (index >= capacity) {
      return OptionalInt.empty();
    }
    held.set(index);
    return OptionalInt.of(first + index);
  }

  public synchronized boolean claim(int cid) {
    int index = cid - first;
    if (index < 0 || index >= capacity || held.get(index)) {
      return false;
    }
    held.set(index);
    return true;
  }

  /** CIDs not held. */
  public synchronized int free() {
    return capacity - held.cardinality();
  }

  public synchronized void release(int cid) {
    int index = cid - first;
    if (index >= 0 && index < capacity) {
      held.clear(index);
    }
  }
}
