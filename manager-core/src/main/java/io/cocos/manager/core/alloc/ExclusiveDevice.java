package io.cocos.manager.core.alloc;

import java.util.Optional;

/**
 * A host device one CVM at a time may hold, such as a GPU passed through with VFIO: two QEMUs
 * cannot both own it, so a second CVM is refused while the first holds it. Thread-safe; a leaf
 * lock.
 */
public final class ExclusiveDevice {
  private final String name;

  /** The CVM holding the device; guarded by {@code this}. */
  private String holder;

  /**
   * @param name what the device is, for messages ("GPU 0000:01:00.0")
   */
  public ExclusiveDevice(String name) {
    this.name = name;
  }

  public String name() {
    return name;
  }

  /** Gives the device to {@code cvmId} if nobody holds it. */
  public synchronized boolean allocate(String cvmId) {
    if (holder != null) {
      return false;
    }
    holder = cvmId;
    return true;
  }

  /**
   * Restore: an adopted CVM already holds it. False when another CVM was found holding it first.
   */
  public synchronized boolean claim(String cvmId) {
    if (holder != null && !holder.equals(cvmId)) {
      return false;
    }
    holder = cvmId;
    return true;
  }

  /**
   * Frees the device if {@code cvmId} holds it; releasing twice, or someone else's, does nothing.
   */
  public synchronized void release(String cvmId) {
    if (cvmId.equals(holder)) {
      holder = null;
    }
  }

  public synchronized Optional<String> holder() {
    return Optional.ofNullable(holder);
  }
}
