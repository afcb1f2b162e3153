package io.cocos.manager.core.cvm;

import io.cocos.manager.core.alloc.CidAllocator;
import io.cocos.manager.core.alloc.MemoryAdmission;
import io.cocos.manager.core.alloc.PortAllocator;
import io.cocos.manager.core.alloc.Slots;

/**
 * What one CVM holds of the host's shared resources: a forwarded host port, a guest CID, a
 * MANAGER_MAX_VMS slot and its guest memory (admission). Taken in one piece ({@link
 * Resources#take}) or claimed at restore ({@link Resources#claim}), and given back in one piece by
 * {@link #release}, which is the only place any of the four is released and does nothing the second
 * time. It releases only what it holds: a port or CID that restore could not claim (held by another
 * CVM) is never released.
 *
 * <p>Thread-safety: its own monitor guards the port and the released flag; it is a leaf lock.
 */
public final class CvmLease {
  private final Resources resources;
  private final int cid;
  private final boolean holdsCid;
  private final long memory;
  private int port;
  private boolean released;

  private CvmLease(Resources resources, int port, int cid, boolean holdsCid, long memory) {
    this.resources = resources;
    this.memory = memory;
    this.port = port;
    this.cid = cid;
    this.holdsCid = holdsCid;
  }

  /** The host port held, 0 for none. */
  public synchronized int port() {
    return port;
  }

  /** The guest memory (bytes) this lease counts against admission. */
  public long memory() {
    return memory;
  }

  public int cid() {
    return cid;
  }

  /** Gives the port back and takes another (QEMU lost a race for the old one). */
  synchronized int changePort() throws ManagerException {
    if (released) {
      throw new IllegalStateException("lease already released");
    }
    if (port != 0) {
      resources.ports.release(port);
      port = 0;
    }
    port = resources.allocatePort();
    return port;
  }

  /** Gives everything back; safe to call twice. */
  public synchronized void release() {
    if (released) {
      return;
    }
    released = true;
    if (port != 0) {
      resources.ports.release(port);
    }
    if (holdsCid) {
      resources.cids.release(cid);
    }
    resources.memory.memory().give(memory);
    resources.slots.give();
  }

  public synchronized boolean isReleased() {
    return released;
  }

  /** The pools leases come from. The allocators guard themselves. */
  public static final class Resources {
    private final PortAllocator ports;
    private final CidAllocator cids;
    private final Slots slots;
    private final MemoryAdmission memory;

    public Resources(PortAllocator ports, CidAllocator cids, Slots slots) {
      this(ports, cids, slots, MemoryAdmission.unlimited());
    }

    public Resources(PortAllocator ports, CidAllocator cids, Slots slots, MemoryAdmission memory) {
      this.ports = ports;
      this.cids = cids;
      this.slots = slots;
      this.memory = memory;
    }

    public PortAllocator ports() {
      return ports;
    }

    public Slots slots() {
      return slots;
    }

    public CidAllocator cids() {
      return cids;
    }

    public MemoryAdmission memory() {
      return memory;
    }

    /**
     * A slot, the guest memory, a CID and a port for a new CVM, or RESOURCE_EXHAUSTED with nothing
     * taken. Each pool decides under its own leaf lock (no lock is held across two), so taking is
     * quick and concurrent takes cannot pass a limit together.
     */
    public CvmLease take() throws ManagerException {
      if (!slots.tryTake()) {
        throw new ManagerException(
            ManagerException.Reason.RESOURCE_EXHAUSTED,
            "MANAGER_MAX_VMS reached: " + slots.limit() + " CVMs are already running");
      }
      if (!memory.tryTake()) {
        String shortage = memory.shortage();
        slots.give();
        throw new ManagerException(ManagerException.Reason.RESOURCE_EXHAUSTED, shortage);
      }
      int cid = cids.allocate().orElse(-1);
      if (cid < 0) {
        memory.memory().give(memory.perCvm());
        slots.give();
        throw new ManagerException(ManagerException.Reason.RESOURCE_EXHAUSTED, "no free guest CID");
      }
      try {
        return new CvmLease(this, allocatePort(), cid, true, memory.perCvm());
      } catch (ManagerException e) {
        cids.release(cid);
        memory.memory().give(memory.perCvm());
        slots.give();
        throw e;
      }
    }

    /**
     * The lease of a CVM adopted at restore: takes a slot and guest memory even past the limits (it
     * runs whatever the new limits say) and claims what it can of its port and CID. Its memory is
     * what it was created with ({@code guestMemory}), or the size configured now when its record
     * predates that field (0).
     */
    public CvmLease claim(int port, int cid, long guestMemory) {
      long counted = guestMemory > 0 ? guestMemory : memory.perCvm();
      slots.take();
      memory.memory().take(counted);
      boolean holdsPort = port != 0 && ports.claim(port);
      return new CvmLease(this, holdsPort ? port : 0, cid, cids.claim(cid), counted);
    }

    /**
     * A lease that holds nothing: for a CVM known but not running (exited, or left half-removed).
     */
    public CvmLease nothing() {
      CvmLease lease = new CvmLease(this, 0, -1, false, 0);
      lease.released = true;
      return lease;
    }

    int allocatePort() throws ManagerException {
      return ports
          .allocate()
          .orElseThrow(
              () ->
                  new ManagerException(
                      ManagerException.Reason.RESOURCE_EXHAUSTED,
                      "no free host port in MANAGER_QEMU_HOST_FWD_RANGE " + ports.range()));
    }
  }
}
