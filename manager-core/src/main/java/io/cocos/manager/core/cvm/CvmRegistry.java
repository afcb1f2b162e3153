package io.cocos.manager.core.cvm;

import io.cocos.manager.core.event.CvmEvent;
import io.cocos.manager.core.event.CvmEventType;
import io.cocos.manager.core.event.EventBus;
import io.cocos.manager.core.store.StateStore;
import io.cocos.manager.core.vm.VmProcess;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CVMs this manager knows, the queries about them, and the one way a CVM changes state ({@link
 * #transition}: checked, saved, published).
 *
 * <h2>Concurrency: which lock guards what</h2>
 *
 * <ul>
 *   <li>{@code cvms} (concurrent map) is the registry; reading it never blocks.
 *   <li>Each {@link Cvm} has its own lock that serialises the transitions of that CVM only: launch,
 *       exit handling, TTL expiry, removal, and the writes of its record. It is held across that
 *       CVM's QEMU start and stop, which blocks nobody but callers asking about the same CVM. No
 *       lock spans CVMs. Events about a CVM are published while its lock is held, so they arrive in
 *       transition order (TTL_EXPIRED before STOPPING before REMOVED); guest events (GUEST_*),
 *       which change no state, are published on the hypervisor's thread without it, in the
 *       hypervisor's order ({@link CvmSupervisor#onGuestEvent}).
 *   <li>A CVM's current {@link CvmRecord} is an immutable value in a volatile field, replaced under
 *       its lock, so ListVms and CVMInfo read it without locking.
 *   <li>A CVM's {@link CvmLease} (port, CID, MAX_VMS slot) guards itself and the allocators guard
 *       themselves; these are leaf locks (taken while holding a CVM lock, never the other way
 *       round). The lease is released in {@link CvmSupervisor#retire} only.
 *   <li>The state directory is this manager's alone: {@link
 *       io.cocos.manager.core.store.StateDirLock} is held before {@link LifecycleManager} is built.
 *   <li>The exclusive device (a passed-through GPU, {@link
 *       io.cocos.manager.core.alloc.ExclusiveDevice}) guards itself, a leaf lock too; it is
 *       allocated beside the lease and released with it in {@link CvmSupervisor#retire}.
 *   <li>Exit notifications run on the lifecycle's {@code workers}, never on the thread that
 *       completes the process's exit future: the remover waits on that future while holding the CVM
 *       lock ({@link CvmSupervisor#watch}).
 * </ul>
 */
final class CvmRegistry {
  private static final Logger log = LoggerFactory.getLogger(LifecycleManager.class);

  private final Map<String, Cvm> cvms = new ConcurrentHashMap<>();
  private final StateStore store;
  private final EventBus bus;
  private final Clock clock;

  CvmRegistry(StateStore store, EventBus bus, Clock clock) {
    this.store = store;
    this.bus = bus;
    this.clock = clock;
  }

  /** The CVM, or NOT_FOUND. */
  Cvm require(String cvmId) throws ManagerException {
    Cvm cvm = cvms.get(cvmId);
    if (cvm == null) {
      throw ManagerException.notFound(cvmId);
    }
    return cvm;
  }

  /** The CVM, or null. */
  Cvm find(String cvmId) {
    return cvms.get(cvmId);
  }

  /** Whether {@code cvm} is (still) the one registered under its id. */
  boolean holds(Cvm cvm) {
    return cvms.get(cvm.id) == cvm;
  }

  /** Whether {@code cvm} is registered, running, and with this VM. */
  boolean runs(Cvm cvm, VmProcess process) {
    return holds(cvm) && cvm.process == process && cvm.record.state() == CvmState.RUNNING;
  }

  void add(Cvm cvm) {
    cvms.put(cvm.id, cvm);
  }

  void remove(Cvm cvm) {
    cvms.remove(cvm.id);
  }

  Collection<Cvm> all() {
    return cvms.values();
  }

  int size() {
    return cvms.size();
  }

  // ---------------------------------------------------------------- queries

  List<CvmRecord> listVms() {
    return cvms.values().stream()
        .map(c -> c.record)
        .sorted(Comparator.comparing(CvmRecord::createdAt).thenComparing(CvmRecord::id))
        .toList();
  }

  String guestStatus(String cvmId) {
    Cvm cvm = cvms.get(cvmId);
    if (cvm == null) {
      return "";
    }
    VmProcess process = cvm.process;
    return process == null
        ? cvm.lastGuestStatus
        : process.guestStatus().orElse(cvm.lastGuestStatus);
  }

  Optional<Duration> agentReadyAfter(String cvmId) {
    Cvm cvm = cvms.get(cvmId);
    return cvm == null ? Optional.empty() : Optional.ofNullable(cvm.agentReadyAfter);
  }

  // ---------------------------------------------------------------- state changes

  /**
   * Moves the CVM to {@code next} (which must be a legal successor of its state), saves it unless
   * it is REMOVED or FAILED (its record is deleted by then), and publishes {@code type}. Caller
   * holds the CVM's lock.
   */
  void transition(Cvm cvm, CvmState next, CvmEventType type, String detail) {
    transition(cvm, cvm.record.withState(next), type, detail);
  }

  /** {@link #transition(Cvm, CvmState, CvmEventType, String)} to a record with more changed. */
  void transition(Cvm cvm, CvmRecord next, CvmEventType type, String detail) {
    transition(cvm, next);
    publish(cvm, type, detail);
  }

  /** The state change and save of {@link #transition(Cvm, CvmRecord, CvmEventType, String)}. */
  void transition(Cvm cvm, CvmRecord next) {
    checkMove(cvm.record, next.state());
    cvm.record = next;
    if (next.state() != CvmState.REMOVED && next.state() != CvmState.FAILED) {
      save(cvm);
    }
  }

  /**
   * Throws IllegalStateException unless a CVM in {@code record}'s state can become {@code next}.
   */
  static void checkMove(CvmRecord record, CvmState next) {
    if (!record.state().canBecome(next)) {
      throw new IllegalStateException(
          "CVM "
              + record.id()
              + " cannot go from "
              + record.state().wireName()
              + " to "
              + next.wireName());
    }
  }

  /** Saves the CVM's record; a failure is logged (the record on disk is then the previous one). */
  void save(Cvm cvm) {
    try {
      store.save(cvm.record);
    } catch (IOException e) {
      log.error("cannot persist the state of CVM {}: {}", cvm.id, e.getMessage());
    }
  }

  /** Publishes an event about the CVM in its current state, and logs it. */
  void publish(Cvm cvm, CvmEventType type, String detail) {
    CvmEvent event =
        new CvmEvent(
            clock.instant(),
            cvm.id,
            type,
            cvm.record.state(),
            detail,
            type == CvmEventType.EXITED ? cvm.record.exitCode() : null);
    try (var context = CvmLogContext.of(cvm.id, cvm.record.state())) {
      if (type == CvmEventType.FAILED || type == CvmEventType.EXITED) {
        log.warn("CVM {}{}", type.wireName(), detail.isEmpty() ? "" : ": " + detail);
      } else {
        log.info("CVM {}{}", type.wireName(), detail.isEmpty() ? "" : ": " + detail);
      }
    }
    bus.publish(event);
  }

  void publishLine(String cvmId, String line) {
    bus.publishLine(cvmId, line);
  }
}
