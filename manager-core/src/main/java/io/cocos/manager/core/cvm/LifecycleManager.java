package io.cocos.manager.core.cvm;

import io.cocos.manager.core.agent.AgentProbe;
import io.cocos.manager.core.agent.AgentProvisioning;
import io.cocos.manager.core.agent.Http2AgentProbe;
import io.cocos.manager.core.alloc.CidAllocator;
import io.cocos.manager.core.alloc.ExclusiveDevice;
import io.cocos.manager.core.alloc.PortAllocator;
import io.cocos.manager.core.alloc.Slots;
import io.cocos.manager.core.config.LifecycleConfig;
import io.cocos.manager.core.console.ConsoleSource;
import io.cocos.manager.core.console.ConsoleWatcher;
import io.cocos.manager.core.event.CvmEvent;
import io.cocos.manager.core.event.CvmEventListener;
import io.cocos.manager.core.event.CvmEventType;
import io.cocos.manager.core.event.CvmEvents;
import io.cocos.manager.core.event.EventBus;
import io.cocos.manager.core.store.CvmPaths;
import io.cocos.manager.core.store.DiskFull;
import io.cocos.manager.core.store.SecureFiles;
import io.cocos.manager.core.store.StateStore;
import io.cocos.manager.core.vm.ExitStatus;
import io.cocos.manager.core.vm.FoundVm;
import io.cocos.manager.core.vm.GuestDescription;
import io.cocos.manager.core.vm.GuestEvent;
import io.cocos.manager.core.vm.Hypervisor;
import io.cocos.manager.core.vm.VmLaunchSpec;
import io.cocos.manager.core.vm.VmProcess;
import io.cocos.manager.core.vm.VmStartException;
import io.cocos.manager.core.vm.VmUnstoppableException;
import io.opentelemetry.api.trace.Tracer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CVM lifecycle: create, watch, expire, remove and restore.
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
 *       hypervisor's order ({@link #onGuestEvent}).
 *   <li>A CVM's current {@link CvmRecord} is an immutable value in a volatile field, replaced under
 *       its lock, so ListVms and CVMInfo read it without locking.
 *   <li>A CVM's {@link CvmLease} (port, CID, MAX_VMS slot) guards itself and the allocators guard
 *       themselves; these are leaf locks (taken while holding a CVM lock, never the other way
 *       round). The lease is released in {@link #retire} only.
 *   <li>The state directory is this manager's alone: {@link
 *       io.cocos.manager.core.store.StateDirLock} is held before this class is built.
 *   <li>The exclusive device (a passed-through GPU, {@link ExclusiveDevice}) guards itself, a leaf
 *       lock too; it is allocated beside the lease and released with it in {@link #retire}.
 *   <li>Exit notifications run on {@code workers}, never on the thread that completes the process's
 *       exit future: the remover waits on that future while holding the CVM lock.
 * </ul>
 *
 * <h2>Crash points</h2>
 *
 * Write-ahead: a CVM's record is on disk before its QEMU exists, its pid and start time right after
 * the spawn, and its record goes last when it is removed. Every QEMU also names its work directory
 * on its command line ({@link Hypervisor#findVms}), so a restart finds it with or without a record.
 * Where a manager killed with kill -9 leaves things, and how {@link #restore} ends each one (every
 * CVM fully adopted or fully gone; the names are {@link CrashPoint}s tests stop at):
 *
 * <pre>
 * killed at                                on disk                   QEMU     restore
 * create: CREATE_RECORD_WRITTEN (files     provisioning, pid 0       none     no VM found: files deleted
 *   being written, before the spawn)
 * create: CREATE_SPAWNED                   provisioning, pid 0       running  found by its work dir: stopped,
 *                                                                             files deleted
 * create: CREATE_PID_PERSISTED (readiness  provisioning, pid+start   running  adopted as running (if still
 *   wait under way)                                                           alive, else files deleted)
 * create: port race, before the new port   provisioning, old pid     exited   adopt fails: files deleted
 *   is recorded
 * create: rollback under way               provisioning (or partial) either   stopped if found, files deleted
 * create: CREATE_RUNNING                   running                   running  adopted
 * exit:   QEMU ended, EXITED not recorded  running                   gone     adopt fails: files deleted
 * remove/TTL: TTL_EXPIRED sent, stopping   running                   running  adopted; the TTL, re-armed
 *   not yet recorded                                                          with a past deadline, fires
 * remove/TTL: REMOVE_STOPPING_PERSISTED    stopping                  running  adopted, removal finished
 * remove/TTL: REMOVE_QEMU_STOPPED          stopping                  gone     files deleted
 * remove/TTL: REMOVE_CONTENTS_DELETED      stopping, state.json only gone     files deleted
 * remove/TTL: record deleted, dir not yet  empty directory           gone     directory deleted
 * any: record unreadable, bad id, a copy   (quarantined)             any      moved to quarantine/, its QEMU
 *                                                                             (found by work dir) stopped
 * </pre>
 *
 * A removal whose files cannot all be deleted (a read-only or immutable directory) keeps the CVM in
 * state stopping, without QEMU and without a lease, and fails with FAILED_PRECONDITION naming what
 * is left; RemoveVm again, or the next start, finishes it.
 */
public final class LifecycleManager implements ManagerService, CvmEvents, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LifecycleManager.class);
  private static final Logger consoleLog = LoggerFactory.getLogger("io.cocos.manager.console");

  /** QEMU's words when another process took the forwarded port between our probe and its bind. */
  private static final String PORT_RACE = "host forwarding rule";

  private static final int START_ATTEMPTS = 3;
  private static final int MAX_MESSAGE = 2000;

  /** Between two probes of a booting CVM's agent; each probe waits at most this long too. */
  /** Adoptions run in parallel at a restart; see {@link #adoptAll}. */
  static final int ADOPTERS = 16;

  static final Duration AGENT_PROBE_INTERVAL = Duration.ofSeconds(1);

  /** Unanswered probes at {@link #AGENT_PROBE_INTERVAL} before the interval grows. */
  static final int AGENT_PROBES_AT_FULL_RATE = 120;

  /** The longest wait between two probes of an agent that does not answer. */
  static final Duration AGENT_PROBE_MAX_INTERVAL = Duration.ofSeconds(30);

  private final LifecycleConfig config;
  private final Hypervisor hypervisor;
  private final AttestationPolicies attestation;
  private final StateStore store;
  private final CvmLease.Resources resources;

  /**
   * The device every CVM gets and only one can hold (a passed-through GPU), if the hypervisor has
   * one.
   */
  private final Optional<ExclusiveDevice> device;

  private final Clock clock;
  private final Map<String, Cvm> cvms = new ConcurrentHashMap<>();
  private final EventBus bus = new EventBus();
  private final ScheduledExecutorService timers;
  private final ExecutorService workers;
  private final ConsoleWatcher console;
  private final Tracer tracer;
  private final AgentProbe agentProbe;

  /** One CVM. The fields without volatile are guarded by {@link #lock}. */
  private static final class Cvm {
    final String id;
    final CvmPaths paths;
    final ReentrantLock lock = new ReentrantLock();
    final CvmLease lease;

    /**
     * Console lines logged per second. It lives and dies with the CVM: a line the watcher reads
     * after the CVM left the registry finds no budget, so none can outlive it. Only the
     * console-watcher thread touches it.
     */
    final ConsoleLogBudget consoleBudget = new ConsoleLogBudget();

    volatile CvmRecord record;
    VmLaunchSpec spec;

    /**
     * Written under the lock; volatile for {@link #close} and {@link #guestStatus}, which read it
     * without.
     */
    volatile VmProcess process;

    /** The guest's status when its VM ended (or empty): what ListVms shows afterwards. */
    volatile String lastGuestStatus = "";

    /** From CreateVm to the agent's first answer; null until then. */
    volatile Duration agentReadyAfter;

    ScheduledFuture<?> ttlTimer;

    Cvm(String id, CvmPaths paths, CvmRecord record, CvmLease lease) {
      this.id = id;
      this.paths = paths;
      this.record = record;
      this.lease = lease;
    }
  }

  public LifecycleManager(
      LifecycleConfig config,
      Hypervisor hypervisor,
      AttestationPolicies attestation,
      StateStore store,
      PortAllocator ports,
      Clock clock,
      Tracer tracer) {
    this(
        config,
        hypervisor,
        attestation,
        store,
        ports,
        clock,
        tracer,
        new Http2AgentProbe("127.0.0.1", AGENT_PROBE_INTERVAL));
  }

  /** With the agent probed by {@code agentProbe} instead of an HTTP/2 preface on 127.0.0.1. */
  public LifecycleManager(
      LifecycleConfig config,
      Hypervisor hypervisor,
      AttestationPolicies attestation,
      StateStore store,
      PortAllocator ports,
      Clock clock,
      Tracer tracer,
      AgentProbe agentProbe) {
    this.agentProbe = agentProbe;
    this.config = config;
    this.hypervisor = hypervisor;
    this.attestation = attestation;
    this.store = store;
    this.resources =
        new CvmLease.Resources(
            ports, new CidAllocator(config.firstGuestCid(), 1 << 20), new Slots(config.maxVms()));
    this.device = hypervisor.exclusiveDevice().map(ExclusiveDevice::new);
    this.clock = clock;
    this.tracer = tracer;
    this.timers = Executors.newSingleThreadScheduledExecutor(daemon("cvm-ttl"));
    this.workers = Executors.newCachedThreadPool(daemon("cvm-lifecycle"));
    this.console =
        new ConsoleWatcher(this::onConsoleLine, Duration.ofMillis(200), config.consoleLogMaxSize());
  }

  @Override
  public AutoCloseable subscribe(CvmEventListener listener) {
    return bus.subscribe(listener);
  }

  @Override
  public AutoCloseable subscribeConsole(ConsoleWatcher.LineListener listener) {
    return bus.subscribeConsole(listener);
  }

  public PortAllocator ports() {
    return resources.ports();
  }

  public Slots slots() {
    return resources.slots();
  }

  // ---------------------------------------------------------------- create

  @Override
  public CreatedCvm createVm(CreateRequest request) throws ManagerException, InterruptedException {
    AgentProvisioning.ValidRequest valid = AgentProvisioning.validate(request);
    if (!request.aaKbsParams().isEmpty() && !hypervisor.passesKernelParameters()) {
      throw new ManagerException(
          ManagerException.Reason.FAILED_PRECONDITION,
          "aa_kbs_params needs kernel boot, but this manager boots CVMs from a disk image (MANAGER_QEMU_ENABLE_DISK)");
    }
    CvmLease lease = resources.take();
    String id = UUID.randomUUID().toString();
    Cvm cvm = null;
    try {
      if (device.isPresent() && !device.get().allocate(id)) {
        throw new ManagerException(
            ManagerException.Reason.RESOURCE_EXHAUSTED,
            device.get().name() + " is in use by CVM " + device.get().holder().orElse("?"));
      }
      Optional<String> launchTcb;
      try (TracedStep step = TracedStep.start(tracer, "attestation launch tcb", id)) {
        launchTcb = attestation.launchTcb(hypervisor.tee());
        step.ok();
      }
      Instant now = clock.instant();
      Instant deadline = valid.ttl().map(now::plus).orElse(null);
      CvmRecord record =
          new CvmRecord(
              id,
              CvmState.PROVISIONING,
              hypervisor.tee(),
              lease.port(),
              lease.cid(),
              0,
              null,
              now,
              deadline,
              null,
              null,
              launchTcb.orElse(null));
      cvm = new Cvm(id, store.paths(id), record, lease);
      cvm.lock.lock();
      try (var context = CvmLogContext.of(id)) {
        cvms.put(id, cvm);
        writeAhead(cvm, request);
        launch(cvm, request.aaKbsParams());
        CrashPoint.CREATE_RUNNING.reach();
        publish(cvm, CvmEventType.RUNNING, "pid " + cvm.record.pid());
        return new CreatedCvm(id, cvm.record.hostPort());
      } finally {
        cvm.lock.unlock();
      }
    } catch (Throwable e) {
      // Whatever was thrown — an Error too (OutOfMemoryError, StackOverflowError): a create that
      // does not complete leaves no QEMU, lease or record behind. The rollback allocates little,
      // and
      // the failed step's garbage is collectable by now.
      try {
        rollBack(cvm, lease, e);
        device.ifPresent(d -> d.release(id));
      } catch (Throwable rollbackFailure) {
        e.addSuppressed(rollbackFailure);
      }
      throw e;
    }
  }

  /** The record first (write-ahead), then the files the guest is given. */
  private void writeAhead(Cvm cvm, CreateRequest request) throws ManagerException {
    try (TracedStep step = TracedStep.start(tracer, "prepare files", cvm.id)) {
      store.save(cvm.record);
      AgentProvisioning.write(cvm.paths, cvm.id, request);
      SecureFiles.createPrivateDirectory(cvm.paths.vmDir());
      Files.createFile(
          cvm.paths.consoleLog(),
          java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
              java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
      step.ok();
    } catch (IOException e) {
      throw storageFailure("cannot prepare the CVM's files", e);
    }
    CrashPoint.CREATE_RECORD_WRITTEN.reach();
    publish(cvm, CvmEventType.CREATED, "");
  }

  /**
   * Spawns the VM, records its pid, then waits for it to be ready; tries another port if QEMU lost
   * a race for this one (the new port is recorded before the next spawn).
   */
  private void launch(Cvm cvm, String aaKbsParams) throws ManagerException, InterruptedException {
    for (int attempt = 1; ; attempt++) {
      CvmRecord r = cvm.record;
      cvm.spec =
          new VmLaunchSpec(
              cvm.id,
              r.hostPort(),
              r.guestCid(),
              cvm.paths.vmDir(),
              cvm.paths.certsDir(),
              cvm.paths.envDir(),
              cvm.paths.consoleLog(),
              aaKbsParams);
      long consoleStart = sizeOf(cvm);
      VmProcess process;
      try (TracedStep step = TracedStep.start(tracer, "qemu spawn", cvm.id)) {
        process = hypervisor.spawn(cvm.spec);
        step.ok();
      } catch (VmStartException e) {
        throw startFailure(e);
      }
      cvm.process = process;
      CrashPoint.CREATE_SPAWNED.reach();
      cvm.record = cvm.record.withProcess(process.pid(), process.startedAt());
      saveOrThrow(cvm);
      CrashPoint.CREATE_PID_PERSISTED.reach();
      try (TracedStep step = TracedStep.start(tracer, "qemu ready", cvm.id)) {
        hypervisor.awaitReady(cvm.spec, process);
        step.ok();
      } catch (VmStartException e) {
        cvm.process = null; // stopped by awaitReady
        if (e.getMessage() != null
            && e.getMessage().contains(PORT_RACE)
            && attempt < START_ATTEMPTS) {
          log.warn("port {} was taken before QEMU bound it; trying another", cvm.record.hostPort());
          int port = cvm.lease.changePort();
          CvmRecord now = cvm.record;
          cvm.record =
              new CvmRecord(
                  now.id(),
                  now.state(),
                  now.tee(),
                  port,
                  now.guestCid(),
                  0,
                  null,
                  now.createdAt(),
                  now.ttlDeadline(),
                  null,
                  null,
                  now.launchTcb());
          saveOrThrow(cvm);
          continue;
        }
        throw startFailure(e);
      }
      cvm.record = moved(cvm.record, CvmState.RUNNING);
      saveOrThrow(cvm);
      watch(cvm, process, consoleStart);
      return;
    }
  }

  private ManagerException startFailure(VmStartException e) {
    if (DiskFull.is(e)) {
      return diskFull(e);
    }
    return new ManagerException(
        ManagerException.Reason.FAILED_PRECONDITION,
        "QEMU failed to start: " + oneLine(e.getMessage()),
        e);
  }

  private ManagerException storageFailure(String what, IOException e) {
    if (DiskFull.is(e)) {
      return diskFull(e);
    }
    return new ManagerException(ManagerException.Reason.INTERNAL, what + ": " + e.getMessage(), e);
  }

  private ManagerException diskFull(Exception e) {
    return new ManagerException(
        ManagerException.Reason.RESOURCE_EXHAUSTED,
        "no space left on the device of MANAGER_STATE_DIR " + store.stateDir(),
        e);
  }

  private void saveOrThrow(Cvm cvm) throws ManagerException {
    try {
      store.save(cvm.record);
    } catch (IOException e) {
      throw storageFailure("cannot persist the CVM's state", e);
    }
  }

  private void watch(Cvm cvm, VmProcess process, long consoleOffset) {
    process.onGuestEvent(event -> onGuestEvent(cvm, process, event));
    console.follow(cvm.id, cvm.paths.consoleLog(), consoleOffset);
    process.exit().thenAcceptAsync(status -> onProcessExit(cvm, process, status), workers);
    armTtl(cvm);
    probeAgent(cvm, process);
  }

  /**
   * Probes the CVM's agent every {@link #AGENT_PROBE_INTERVAL}, less often after two minutes
   * ({@link #agentProbeDelay}), until it answers (then one AGENT_READY event) or the CVM is no
   * longer running with this VM. One probe at a time per CVM: the next is scheduled when this one
   * is done. A probe holds no thread while it waits (see {@link Http2AgentProbe}); its outcome
   * comes on the probe's thread, which only schedules the next probe or hands an answer to a worker
   * (that takes the CVM's lock).
   */
  private void probeAgent(Cvm cvm, VmProcess process) {
    probeAgent(cvm, process, 1);
  }

  private void probeAgent(Cvm cvm, VmProcess process, int probe) {
    if (!stillRunning(cvm, process)) {
      return;
    }
    agentProbe
        .answers(cvm.record.hostPort())
        .thenAccept(
            answered -> {
              try {
                if (answered) {
                  workers.execute(() -> agentAnswered(cvm, process));
                } else {
                  timers.schedule(
                      () -> probeAgent(cvm, process, probe + 1),
                      agentProbeDelay(probe).toMillis(),
                      TimeUnit.MILLISECONDS);
                }
              } catch (java.util.concurrent.RejectedExecutionException e) {
                log.debug(
                    "not probing the agent of CVM {} any more: the manager is closing", cvm.id);
              }
            });
  }

  /**
   * The wait after the {@code probe}th unanswered probe: {@link #AGENT_PROBE_INTERVAL} while a boot
   * is plausible ({@link #AGENT_PROBES_AT_FULL_RATE} probes, about two minutes), then doubling up
   * to {@link #AGENT_PROBE_MAX_INTERVAL}: 500 CVMs whose agent never comes up cost the manager 500
   * connections a second (about a tenth of a core) at the full rate. The price is that an agent
   * slower than that is reported up to that much late.
   */
  static Duration agentProbeDelay(int probe) {
    if (probe <= AGENT_PROBES_AT_FULL_RATE) {
      return AGENT_PROBE_INTERVAL;
    }
    int doublings = Math.min(probe - AGENT_PROBES_AT_FULL_RATE, 8);
    Duration delay = AGENT_PROBE_INTERVAL.multipliedBy(1L << doublings);
    return delay.compareTo(AGENT_PROBE_MAX_INTERVAL) < 0 ? delay : AGENT_PROBE_MAX_INTERVAL;
  }

  private void agentAnswered(Cvm cvm, VmProcess process) {
    cvm.lock.lock();
    try (var context = CvmLogContext.of(cvm.id)) {
      if (stillRunning(cvm, process) && cvm.agentReadyAfter == null) {
        cvm.agentReadyAfter = Duration.between(cvm.record.createdAt(), clock.instant());
        publish(
            cvm,
            CvmEventType.AGENT_READY,
            String.format(
                java.util.Locale.ROOT,
                "%.1f s after CreateVm",
                cvm.agentReadyAfter.toMillis() / 1000.0));
      }
    } finally {
      cvm.lock.unlock();
    }
  }

  private boolean stillRunning(Cvm cvm, VmProcess process) {
    return cvms.get(cvm.id) == cvm
        && cvm.process == process
        && cvm.record.state() == CvmState.RUNNING;
  }

  /** Undoes a failed CreateVm, whatever failed it: nothing of it may remain. */
  private void rollBack(Cvm cvm, CvmLease lease, Throwable cause) {
    if (cvm == null) {
      lease.release();
      return;
    }
    cvm.lock.lock();
    try (var context = CvmLogContext.of(cvm.id)) {
      if (cvm.process != null) {
        try {
          stopUninterruptibly(cvm.process, Duration.ZERO);
        } catch (VmUnstoppableException e) {
          keepUnstoppable(cvm, e);
          return;
        }
      }
      if (cvm.ttlTimer != null) {
        cvm.ttlTimer.cancel(false);
      }
      cvms.remove(cvm.id);
      console.stop(cvm.id);
      retire(cvm);
      try {
        store.deleteAll(cvm.id);
      } catch (IOException e) {
        log.error(
            "cannot delete the files of failed CVM {}: {}; the next start deletes them",
            cvm.id,
            e.getMessage());
      }
      // An Error's message alone ("Java heap space", or none) would not say what happened.
      String why =
          cause instanceof Error || cause.getMessage() == null
              ? cause.toString()
              : cause.getMessage();
      cvm.record = moved(cvm.record, CvmState.FAILED).failed(why);
      publish(cvm, CvmEventType.FAILED, why);
    } finally {
      cvm.lock.unlock();
    }
  }

  /**
   * A failed create whose QEMU outlived SIGKILL: nothing of it is given back or deleted while that
   * QEMU may still use it. It stays listed as stopping with its record on disk, so a RemoveVm retry
   * or the next start finishes the job once the process is gone. Caller holds the CVM's lock.
   */
  private void keepUnstoppable(Cvm cvm, VmUnstoppableException e) {
    log.error(
        "CVM {} failed to start and its QEMU cannot be stopped: {}; it stays listed as stopping",
        cvm.id,
        e.getMessage());
    cvm.record = moved(cvm.record, CvmState.STOPPING);
    save(cvm);
    publish(cvm, CvmEventType.STOPPING, e.getMessage());
  }

  /**
   * The one place a CVM gives back what it held: its lease (port, CID, slot) and the hypervisor's
   * files outside its directory. Safe to call more than once. Caller holds the CVM's lock.
   */
  private void retire(Cvm cvm) {
    cvm.lease.release();
    device.ifPresent(d -> d.release(cvm.id));
    if (cvm.spec != null) {
      hypervisor.release(cvm.spec);
    }
  }

  // ---------------------------------------------------------------- exit, TTL, remove

  /**
   * A guest event becomes a lifecycle event at once, on the hypervisor's thread and without the
   * CVM's lock: it changes no state, and a removal holds that lock while it waits for the VM to
   * end, which the hypervisor may be about to report on this very thread.
   */
  /**
   * Called on the hypervisor's event thread (for QEMU, the one thread serving every CVM's QMP):
   * takes no lock and does nothing slow, it only publishes.
   */
  private void onGuestEvent(Cvm cvm, VmProcess process, GuestEvent event) {
    if (cvms.get(cvm.id) != cvm || cvm.process != process) {
      return;
    }
    CvmEventType type =
        switch (event.kind()) {
          case SHUTDOWN -> CvmEventType.GUEST_SHUTDOWN;
          case RESET -> CvmEventType.GUEST_RESET;
          case STOPPED -> CvmEventType.GUEST_STOPPED;
          case RESUMED -> CvmEventType.GUEST_RESUMED;
          case PANICKED -> CvmEventType.GUEST_PANICKED;
        };
    publish(cvm, type, event.detail());
  }

  private void onProcessExit(Cvm cvm, VmProcess process, ExitStatus status) {
    // Outside the lock: the hypervisor may take a moment to deliver its last words after the exit.
    Optional<String> reason = process.shutdownReason();
    cvm.lastGuestStatus = process.guestStatus().orElse("");
    cvm.lock.lock();
    try (var context = CvmLogContext.of(cvm.id)) {
      if (cvm.process != process || cvm.record.state() != CvmState.RUNNING) {
        return; // being stopped on purpose: the remover cleans up
      }
      console.stop(cvm.id);
      retire(cvm);
      deleteShares(cvm);
      cvm.record = moved(cvm.record, CvmState.EXITED).exited(status.exitCode());
      save(cvm);
      publish(
          cvm,
          CvmEventType.EXITED,
          status.describe() + reason.map(r -> ", shutdown reason " + r).orElse(""));
    } finally {
      cvm.lock.unlock();
    }
  }

  private void armTtl(Cvm cvm) {
    Instant deadline = cvm.record.ttlDeadline();
    if (deadline == null) {
      return;
    }
    long delay = Math.max(0, Duration.between(clock.instant(), deadline).toMillis());
    cvm.ttlTimer =
        timers.schedule(() -> workers.execute(() -> expire(cvm)), delay, TimeUnit.MILLISECONDS);
  }

  private void expire(Cvm cvm) {
    try {
      remove(cvm, true);
    } catch (ManagerException e) {
      log.debug(
          "CVM {} was already gone at its TTL, or is left for the next removal: {}",
          cvm.id,
          e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void removeVm(String cvmId) throws ManagerException, InterruptedException {
    Cvm cvm = cvms.get(cvmId);
    if (cvm == null) {
      throw ManagerException.notFound(cvmId);
    }
    remove(cvm, false);
  }

  private void remove(Cvm cvm, boolean ttlExpired) throws ManagerException, InterruptedException {
    cvm.lock.lockInterruptibly();
    try (var context = CvmLogContext.of(cvm.id)) {
      if (cvms.get(cvm.id) != cvm) {
        throw ManagerException.notFound(cvm.id);
      }
      if (ttlExpired) {
        publish(cvm, CvmEventType.TTL_EXPIRED, "ttl deadline " + cvm.record.ttlDeadline());
      }
      CvmState before = cvm.record.state();
      if (before != CvmState.STOPPING) {
        cvm.record = moved(cvm.record, CvmState.STOPPING);
        save(cvm);
        publish(cvm, CvmEventType.STOPPING, "was " + before.wireName());
      }
      if (cvm.ttlTimer != null) {
        cvm.ttlTimer.cancel(false);
      }
      CrashPoint.REMOVE_STOPPING_PERSISTED.reach();
      if (cvm.process != null) {
        try (TracedStep step = TracedStep.start(tracer, "qemu stop", cvm.id)) {
          int code = shutDownUninterruptibly(cvm.process, config.stopTimeout());
          log.debug("QEMU of CVM {} stopped with exit code {}", cvm.id, code);
          step.ok();
        } catch (VmUnstoppableException e) {
          log.error("cannot stop the QEMU of CVM {}: {}", cvm.id, e.getMessage());
          throw new ManagerException(
              ManagerException.Reason.FAILED_PRECONDITION,
              "CVM "
                  + cvm.id
                  + " is not removed: "
                  + e.getMessage()
                  + "; it stays listed as stopping until RemoveVm is retried",
              e);
        }
        cvm.process = null;
      }
      CrashPoint.REMOVE_QEMU_STOPPED.reach();
      console.stop(cvm.id);
      retire(cvm);
      deleteFiles(cvm);
      cvms.remove(cvm.id);
      cvm.record = moved(cvm.record, CvmState.REMOVED);
      publish(cvm, CvmEventType.REMOVED, "");
    } finally {
      cvm.lock.unlock();
    }
  }

  /**
   * Deletes a stopped CVM's files, its record last. When something cannot be deleted the CVM stays
   * in the registry in state stopping (it holds nothing any more) and the caller learns what is
   * left.
   */
  private void deleteFiles(Cvm cvm) throws ManagerException {
    try {
      store.deleteContents(cvm.id);
      CrashPoint.REMOVE_CONTENTS_DELETED.reach();
      store.deleteRecord(cvm.id);
    } catch (IOException e) {
      log.error(
          "QEMU of CVM {} is stopped but its files are not all deleted: {}",
          cvm.id,
          e.getMessage());
      throw new ManagerException(
          ManagerException.Reason.FAILED_PRECONDITION,
          "CVM "
              + cvm.id
              + " is stopped but not all of its files could be deleted: "
              + oneLine(String.valueOf(e.getMessage()))
              + "; it stays listed as stopping until RemoveVm is retried (or the manager restarts) once they can be",
          e);
    }
  }

  /**
   * Stops a VM gracefully ({@link VmProcess#shutDown}: the guest asked first) and always waits for
   * it to be reaped; interrupted, it kills the VM at once and re-raises the interrupt afterwards.
   */
  private static int shutDownUninterruptibly(VmProcess process, Duration grace) {
    try {
      return process.shutDown(grace);
    } catch (InterruptedException e) {
      int code = stopUninterruptibly(process, Duration.ZERO);
      Thread.currentThread().interrupt();
      return code;
    }
  }

  /**
   * Stops a VM and always waits for it to be reaped, even if this thread is interrupted meanwhile
   * (then the VM is killed at once and the interrupt re-raised afterwards).
   */
  private static int stopUninterruptibly(VmProcess process, Duration grace) {
    boolean interrupted = false;
    Duration wait = grace;
    try {
      while (true) {
        try {
          return process.stop(wait);
        } catch (InterruptedException e) {
          interrupted = true;
          wait = Duration.ZERO;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** An exited CVM keeps its record and console log; what it was given goes at once. */
  private void deleteShares(Cvm cvm) {
    try {
      SecureFiles.deleteTree(cvm.paths.certsDir());
      SecureFiles.deleteTree(cvm.paths.envDir());
      SecureFiles.deleteTree(cvm.paths.vmDir());
    } catch (IOException e) {
      log.error("cannot delete the shares of CVM {}: {}", cvm.id, e.getMessage());
    }
  }

  // ---------------------------------------------------------------- queries

  @Override
  public CvmInfo cvmInfo(String cvmId) throws ManagerException {
    if (!cvms.containsKey(cvmId)) {
      throw ManagerException.notFound(cvmId);
    }
    GuestDescription g = hypervisor.guest();
    return new CvmInfo(
        cvmId,
        g.ovmfVersion(),
        g.cpuCount(),
        g.cpuType(),
        g.kernelCommandLine(),
        config.eosVersion());
  }

  @Override
  public byte[] attestationPolicy(String cvmId) throws ManagerException, InterruptedException {
    Cvm cvm = cvms.get(cvmId);
    if (cvm == null) {
      throw ManagerException.notFound(cvmId);
    }
    try (TracedStep step = TracedStep.start(tracer, "attestation policy", cvmId)) {
      byte[] policy = attestation.policy(cvm.record);
      step.ok();
      return policy;
    }
  }

  @Override
  public ConsoleSource console(String cvmId) throws ManagerException {
    Cvm cvm = cvms.get(cvmId);
    if (cvm == null) {
      throw ManagerException.notFound(cvmId);
    }
    // Ended once QEMU can write no more: a stopping QEMU still prints its last lines.
    return new ConsoleSource(
        cvmId,
        console.log(cvmId, cvm.paths.consoleLog()),
        () -> {
          CvmState state = cvm.record.state();
          return cvms.get(cvmId) != cvm
              || switch (state) {
                case PROVISIONING, RUNNING -> false;
                case STOPPING -> !console.follows(cvmId); // followed until its QEMU has stopped
                default -> true;
              };
        });
  }

  @Override
  public String guestStatus(String cvmId) {
    Cvm cvm = cvms.get(cvmId);
    if (cvm == null) {
      return "";
    }
    VmProcess process = cvm.process;
    return process == null
        ? cvm.lastGuestStatus
        : process.guestStatus().orElse(cvm.lastGuestStatus);
  }

  @Override
  public Optional<Duration> agentReadyAfter(String cvmId) {
    Cvm cvm = cvms.get(cvmId);
    return cvm == null ? Optional.empty() : Optional.ofNullable(cvm.agentReadyAfter);
  }

  @Override
  public List<CvmRecord> listVms() {
    return cvms.values().stream()
        .map(c -> c.record)
        .sorted(Comparator.comparing(CvmRecord::createdAt).thenComparing(CvmRecord::id))
        .toList();
  }

  // ---------------------------------------------------------------- restore

  /**
   * Takes over what an earlier manager left (see the crash-point table above): quarantines what
   * fails the record checks, adopts the CVMs whose record is complete and whose QEMU still runs
   * (and really is theirs), keeps exited ones visible, finishes interrupted removals, stops every
   * other QEMU of this state dir (found by its command line), and deletes every trace of the rest.
   * Call once, before serving, with the state dir locked.
   */
  public void restore() throws IOException {
    StateStore.Scan scan = store.scan();
    List<FoundVm> found = hypervisor.findVms(store.cvmsDir());
    Map<String, Optional<VmProcess>> processes = adoptAll(scan.records());
    Set<String> adopted = new HashSet<>();
    List<CvmRecord> gone = new ArrayList<>();
    for (CvmRecord r : scan.records()) {
      try (var ignored = CvmLogContext.of(r.id())) {
        if (restoreOne(r, processes.getOrDefault(r.id(), Optional.empty()), gone)) {
          adopted.add(r.id());
        }
      }
    }
    // Every QEMU of this state dir that no adopted CVM owns: of a record missing, incomplete
    // (pid 0), quarantined or not matching. It must not run unowned. (A CVM's QEMU keeps its pid
    // file locked, so a work directory has one QEMU at most; the one found for an adopted CVM is
    // the adopted one, or the QEMU inside the wrapper (sudo) that was adopted.)
    for (FoundVm vm : found) {
      Path cvmDir = vm.workDir().getParent();
      if (!(cvmDir.getParent().equals(store.cvmsDir())
          && adopted.contains(cvmDir.getFileName().toString()))) {
        log.warn(
            "stopping QEMU pid {} of {}: no valid record owns it",
            vm.process().pid(),
            vm.workDir());
        try {
          stopUninterruptibly(vm.process(), config.stopTimeout());
        } catch (VmUnstoppableException e) {
          log.error(
              "QEMU pid {} of {} runs without an owner and cannot be stopped: {}",
              vm.process().pid(),
              vm.workDir(),
              e.getMessage());
        }
      }
    }
    for (CvmRecord r : gone) {
      try (var ignored = CvmLogContext.of(r.id())) {
        cleanUpGone(r);
      }
    }
    for (Path dir : scan.incomplete()) {
      log.warn(
          "deleting {}: a create or removal was interrupted before its record was written or after it went",
          dir);
      try {
        store.deleteAll(dir.getFileName().toString());
      } catch (IOException e) {
        log.error("cannot delete {}: {}", dir, e.getMessage());
      }
    }
    log.info(
        "restore finished: {} CVM(s) adopted, {} known, {} quarantined",
        adopted.size(),
        cvms.size(),
        scan.quarantined().size());
  }

  private VmLaunchSpec specOf(CvmRecord r, CvmPaths paths) {
    return new VmLaunchSpec(
        r.id(),
        r.hostPort(),
        r.guestCid(),
        paths.vmDir(),
        paths.certsDir(),
        paths.envDir(),
        paths.consoleLog());
  }

  /**
   * The hypervisor's adoption of every recorded QEMU, {@link #ADOPTERS} at a time: each one waits
   * for its QEMU's QMP handshake (up to the hypervisor's own timeout for a QEMU that does not
   * answer), so one after the other a restart with many CVMs, or a few hung QEMUs, would keep the
   * API down that much longer. Adoptions of different CVMs share no state (see {@link Hypervisor}).
   */
  private Map<String, Optional<VmProcess>> adoptAll(List<CvmRecord> records) {
    List<CvmRecord> running =
        records.stream()
            .filter(r -> r.state() != CvmState.EXITED && r.pid() > 0 && r.processStart() != null)
            .toList();
    if (running.isEmpty()) {
      return Map.of();
    }
    ExecutorService adopters =
        Executors.newFixedThreadPool(Math.min(ADOPTERS, running.size()), daemon("cvm-adopt"));
    try {
      Map<String, java.util.concurrent.Future<Optional<VmProcess>>> pending =
          new java.util.LinkedHashMap<>();
      for (CvmRecord r : running) {
        pending.put(
            r.id(),
            adopters.submit(
                () -> {
                  try (var ignored = CvmLogContext.of(r.id())) {
                    return hypervisor.adopt(
                        specOf(r, store.paths(r.id())), r.pid(), r.processStart());
                  }
                }));
      }
      Map<String, Optional<VmProcess>> adopted = new java.util.HashMap<>();
      for (var entry : pending.entrySet()) {
        adopted.put(entry.getKey(), awaitAdoption(entry.getValue()));
      }
      return adopted;
    } finally {
      adopters.shutdown();
    }
  }

  private static Optional<VmProcess> awaitAdoption(
      java.util.concurrent.Future<Optional<VmProcess>> adoption) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return adoption.get();
        } catch (InterruptedException e) {
          interrupted = true; // the adoption is bounded; its QEMU must not be left unowned
        } catch (java.util.concurrent.ExecutionException e) {
          if (e.getCause() instanceof RuntimeException runtime) {
            throw runtime;
          }
          if (e.getCause() instanceof Error error) {
            throw error;
          }
          throw new IllegalStateException(e.getCause());
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * True when the CVM's QEMU was adopted ({@code process}: the hypervisor's adoption of it, empty
   * when it is not running); a CVM whose QEMU is gone is added to {@code gone}.
   */
  private boolean restoreOne(CvmRecord r, Optional<VmProcess> process, List<CvmRecord> gone) {
    CvmPaths paths = store.paths(r.id());
    if (r.state() == CvmState.EXITED) {
      Cvm cvm = new Cvm(r.id(), paths, r, resources.nothing());
      cvm.spec = specOf(r, paths);
      cvm.lock.lock();
      try {
        cvms.put(r.id(), cvm);
        armTtl(cvm);
        publish(cvm, CvmEventType.RESTORED, "exited");
      } finally {
        cvm.lock.unlock();
      }
      return false;
    }
    VmLaunchSpec spec = specOf(r, paths);
    Optional<ExitStatus> ended =
        process.isEmpty() && r.state() == CvmState.RUNNING
            ? hypervisor.endedStatus(spec)
            : Optional.empty();
    if (ended.isPresent()) {
      // It ended while no manager ran and left its status: exited, as if it had been watched.
      Cvm cvm = new Cvm(r.id(), paths, r, resources.nothing());
      cvm.spec = spec;
      cvm.lock.lock();
      try {
        deleteShares(cvm);
        cvm.record = moved(r, CvmState.EXITED).exited(ended.get().exitCode());
        save(cvm);
        cvms.put(r.id(), cvm);
        armTtl(cvm);
        publish(cvm, CvmEventType.EXITED, ended.get().describe() + " (ended while no manager ran)");
      } finally {
        cvm.lock.unlock();
      }
      return false;
    }
    if (process.isEmpty()) {
      log.warn(
          "QEMU of CVM {} (pid {}) is not running; cleaning up (was {})",
          r.id(),
          r.pid(),
          r.state().wireName());
      gone.add(r);
      return false;
    }
    CvmLease lease = resources.claim(r.hostPort(), r.guestCid());
    if (lease.port() != r.hostPort()) {
      log.warn(
          "port {} of adopted CVM {} is outside the range or claimed twice", r.hostPort(), r.id());
    }
    Cvm cvm = new Cvm(r.id(), paths, r, lease);
    cvm.spec = spec;
    if (device.isPresent() && !device.get().claim(r.id())) {
      log.warn(
          "{} of adopted CVM {} is held by CVM {} too",
          device.get().name(),
          r.id(),
          device.get().holder().orElse("?"));
    }
    cvm.lock.lock();
    try {
      cvm.process = process.get();
      if (r.state() == CvmState.PROVISIONING) {
        // Killed during the readiness wait: the record is complete and the QEMU lives on.
        cvm.record = moved(r, CvmState.RUNNING);
        save(cvm);
      }
      cvms.put(r.id(), cvm);
      watch(cvm, cvm.process, sizeOf(cvm));
      publish(cvm, CvmEventType.RESTORED, "pid " + r.pid());
    } finally {
      cvm.lock.unlock();
    }
    if (r.state() == CvmState.STOPPING) {
      log.info("finishing the interrupted removal of CVM {}", r.id());
      workers.execute(
          () -> {
            try {
              remove(cvm, false);
            } catch (ManagerException | InterruptedException e) {
              log.debug("interrupted removal of {} ended: {}", r.id(), e.getMessage());
            }
          });
    }
    return true;
  }

  /**
   * A CVM whose QEMU is gone: deleted, or kept as stopping (holding nothing) if its files resist.
   */
  private void cleanUpGone(CvmRecord r) {
    CvmPaths paths = store.paths(r.id());
    hypervisor.release(specOf(r, paths));
    try {
      store.deleteAll(r.id());
    } catch (IOException e) {
      log.error(
          "cannot delete the files of CVM {}: {}; it stays listed as stopping until RemoveVm succeeds",
          r.id(),
          e.getMessage());
      CvmRecord stopping =
          r.state() == CvmState.STOPPING
              ? r
              : new CvmRecord(
                  r.id(),
                  CvmState.STOPPING,
                  r.tee(),
                  r.hostPort(),
                  r.guestCid(),
                  r.pid(),
                  r.processStart(),
                  r.createdAt(),
                  r.ttlDeadline(),
                  r.exitCode(),
                  r.failure(),
                  r.launchTcb());
      cvms.put(r.id(), new Cvm(r.id(), paths, stopping, resources.nothing()));
    }
  }

  // ---------------------------------------------------------------- plumbing

  /**
   * Output of a failed start as one line for the caller. The end is kept when it is long: QEMU
   * prints its error last.
   */
  static String oneLine(String text) {
    String joined =
        String.join(
            " | ", text.strip().lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
    return joined.length() <= MAX_MESSAGE
        ? joined
        : "…" + joined.substring(joined.length() - MAX_MESSAGE);
  }

  private static CvmRecord moved(CvmRecord record, CvmState next) {
    if (!record.state().canBecome(next)) {
      throw new IllegalStateException(
          "CVM "
              + record.id()
              + " cannot go from "
              + record.state().wireName()
              + " to "
              + next.wireName());
    }
    return record.withState(next);
  }

  private void save(Cvm cvm) {
    try {
      store.save(cvm.record);
    } catch (IOException e) {
      log.error("cannot persist the state of CVM {}: {}", cvm.id, e.getMessage());
    }
  }

  private static long sizeOf(Cvm cvm) {
    try {
      return Files.size(cvm.paths.consoleLog());
    } catch (IOException e) {
      return 0;
    }
  }

  private void publish(Cvm cvm, CvmEventType type, String detail) {
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

  private void onConsoleLine(String cvmId, String line) {
    Cvm cvm = cvms.get(cvmId);
    CvmState state = cvm == null ? CvmState.REMOVED : cvm.record.state();
    ConsoleLogBudget budget = cvm == null ? null : cvm.consoleBudget;
    try (var context = CvmLogContext.of(cvmId, state)) {
      long suppressed = budget == null ? 0 : budget.suppressedBefore(clock.millis());
      if (suppressed > 0) {
        consoleLog.warn(
            "{} console lines were not logged (more than {} a second); StreamLogs and {} have them all",
            suppressed,
            ConsoleLogBudget.LINES_PER_SECOND,
            cvm.paths.consoleLog());
      }
      if (budget == null || budget.take()) {
        consoleLog.info(line);
      }
    }
    bus.publishLine(cvmId, line);
  }

  /** Stops watching; CVMs keep running for the next manager to adopt. */
  @Override
  public void close() {
    cvms.values()
        .forEach(
            cvm -> {
              VmProcess process = cvm.process;
              if (process != null) {
                process.detach(); // a QEMU serves one QMP client at a time: the next manager's
              }
            });
    console.close();
    timers.shutdownNow();
    workers.shutdownNow();
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
