package io.cocos.manager.core.alloc;

/**
 * Guest memory committed to the CVMs that hold a lease, against the limit the host allows
 * (admission): taken or refused at once, never blocking.
 *
 * <p>Thread-safety: this object's monitor guards {@code committed}, so the check and the take are
 * one step and two CreateVms cannot both pass a limit only one fits under. It is a leaf lock, held
 * for an addition.
 */
public final class GuestMemory {
  private final long limit;
  private long committed;

  /** {@code limit} in bytes; {@link Long#MAX_VALUE} when the host's memory is unknown. */
  public GuestMemory(long limit) {
    this.limit = limit;
  }

  /** Commits {@code bytes} if they fit under the limit. */
  public synchronized boolean tryTake(long bytes) {
    if (bytes > limit - committed) {
      return false;
    }
    committed += bytes;
    return true;
  }

  /** Commits {@code bytes} even past the limit: a CVM adopted at restore already runs. */
  public synchronized void take(long bytes) {
    committed += bytes;
  }

  public synchronized void give(long bytes) {
    committed -= bytes;
  }

  public synchronized long committed() {
    return committed;
  }

  /** Bytes still free under the limit (0 when adopted CVMs pushed past it). */
  public synchronized long free() {
    return Math.max(0, limit - committed);
  }

  public long limit() {
    return limit;
  }
}
