package io.cocos.manager.core.alloc;

import java.util.concurrent.atomic.AtomicInteger;

/** A counting limit (MANAGER_MAX_VMS) that never blocks: a slot is taken or refused at once. */
public final class Slots {
  private final int limit;
  private final AtomicInteger taken = new AtomicInteger();

  public Slots(int limit) {
    this.limit = limit;
  }

  public boolean tryTake() {
    int now;
    do {
      now = taken.get();
      if (now >= limit) {
        return false;
      }
    } while (!taken.compareAndSet(now, now + 1));
    return true;
  }

  /**
   * Takes a slot even past the limit: a CVM adopted at restore runs whatever the new limit says.
   */
  public void take() {
    taken.incrementAndGet();
  }

  public void give() {
    taken.decrementAndGet();
  }

  public int limit() {
    return limit;
  }

  public int taken() {
    return taken.get();
  }
}
