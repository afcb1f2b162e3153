package io.cocos.manager.core.cvm;

import io.cocos.manager.core.agent.AgentProvisioning;
import io.cocos.manager.core.alloc.CidAllocator;
import io.cocos.manager.core.alloc.PortAllocator;
import io.cocos.manager.core.alloc.Slots;
import io.cocos.manager.core.config.LifecycleConfig;
import io.cocos.manager.core.console.ConsoleWatcher;
import io.cocos.manager.core.event.CvmEvent;
import io.cocos.manager.core.event.CvmEventListener;
import io.cocos.manager.core.event.CvmEvents;
import io.cocos.manager.core.console.ConsoleSource;
import io.cocos.manager.core.event.CvmEventType;
import io.cocos.manager.core.store.CvmPaths;
import io.cocos.manager.core.store.SecureFiles;
import io.cocos.manager.core.store.StateStore;
import io.cocos.manager.core.vm.GuestDescription;
import io.cocos.manager.core.vm.Hypervisor;
import io.cocos.manager.core.vm.VmLaunchSpec;
import io.cocos.manager.core.vm.VmProcess;
import io.cocos.manager.core.vm.VmStartException;
import io.opentelemetry.api.trace.Tracer;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
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
 * <h2>Concurrency</h2>
 * <ul>
 *   <li>{@code cvms} (concurrent map) is the registry; reading it never blocks.</li>
 *   <li>Each {@link Cvm} has its own lock that serialises the transitions of that CVM only:
 *       launch, exit handling, TTL expiry, removal. It is held across that CVM's QEMU start and
 *       stop, which blocks nobody but callers asking about the same CVM. No lock spans CVMs.</li>
 *   <li>A CVM's current {@link CvmRecord} is an immutable value in a volatile field, replaced
 *       under its lock, so ListVms and CVMInfo read it without locking.</li>
 *   <li>The port and CID allocators and the MAX_VMS slots guard themselves; they are leaf locks
 *       (taken while holding a CVM lock, never the other way round).</li>
 *   <li>Exit notifications run on {@code workers}, never on the thread that completes the
 *       process's exit future: the remover waits on that future while holding the CVM lock.</li>
 * </ul>
 */
public final class LifecycleManager implements ManagerService, CvmEvents, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LifecycleManager.class);
  private static final Logger consoleLog = LoggerFactory.getLogger("io.cocos.manager.console");
  /** QEMU's words when another process took the forwarded port between our probe and its bind. */
  private static final String PORT_RACE = "host forwarding rule";
  private static final int START_ATTEMPTS = 3;
  private static final int MAX_MESSAGE = 2000;

  private final LifecycleConfig config;
  private final Hypervisor hypervisor;
  private final AttestationPolicies attestation;
  private final StateStore store;
  private final PortAllocator ports;
  private final CidAllocator cids;
  private final Slots slots;
  private final Clock clock;
  private final Map<String, Cvm> cvms = new ConcurrentHashMap<>();
  private final List<CvmEventListener> eventListeners = new CopyOnWriteArrayList<>();
  private final List<ConsoleWatcher.LineListener> consoleListeners = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService timers;
  private final ExecutorService workers;
  private final ConsoleWatcher console;
  private final Tracer tracer;
  /** Console lines logged per CVM and second; only the console-watcher thread touches it. */
  private final Map<String, ConsoleLogBudget> consoleBudgets = new ConcurrentHashMap<>();

  /** One CVM. The fields without volatile are guarded by {@link #lock}. */
  private static final class Cvm {
    final String id;
    final CvmPaths paths;
    final ReentrantLock lock = new ReentrantLock();
    volatile CvmRecord record;
    VmLaunchSpec spec;
    VmProcess process;
    ScheduledFuture<?> ttlTimer;

    Cvm(String id, CvmPaths paths, CvmRecord record) {
      this.id = id;
      this.paths = paths;
      this.record = record;
    }
  }

  public LifecycleManager(LifecycleConfig config, Hypervisor hypervisor, AttestationPolicies attestation,
      StateStore store, PortAllocator ports, Clock clock, Tracer tracer) {
    this.config = config;
    this.hypervisor = hypervisor;
    this.attestation = attestation;
    this.store = store;
    this.ports = ports;
    this.cids = new CidAllocator(config.firstGuestCid(), 1 << 20);
    this.slots = new Slots(config.maxVms());
    this.clock = clock;
    this.tracer = tracer;
    this.timers = Executors.newSingleThreadScheduledExecutor(daemon("cvm-ttl"));
    this.workers = Executors.newCachedThreadPool(daemon("cvm-lifecycle"));
    this.console = new ConsoleWatcher(this::onConsoleLine, Duration.ofMillis(200));
  }

  @Override
  public AutoCloseable subscribe(CvmEventListener listener) {
    eventListeners.add(listener);
    return () -> eventListeners.remove(listener);
  }

  public void addConsoleListener(ConsoleWatcher.LineListener listener) {
    consoleListeners.add(listener);
  }

  public PortAllocator ports() {
    return ports;
  }

  public Slots slots() {
    return slots;
  }

  // ---------------------------------------------------------------- create

  @Override
  public CreatedCvm createVm(CreateRequest request) throws ManagerException, InterruptedException {
    AgentProvisioning.ValidRequest valid = AgentProvisioning.validate(request);
    if (!slots.tryTake()) {
      throw new ManagerException(ManagerException.Reason.RESOURCE_EXHAUSTED,
          "MANAGER_MAX_VMS reached: " + slots.limit() + " CVMs are already running");
    }
    int cid = -1;
    Cvm cvm = null;
    try {
      cid = cids.allocate().orElseThrow(() -> new ManagerException(ManagerException.Reason.RESOURCE_EXHAUSTED,
          "no free guest CID"));
      String id = UUID.randomUUID().toString();
      Optional<String> launchTcb;
      try (TracedStep step = TracedStep.start(tracer, "attestation launch tcb", id)) {
        launchTcb = attestation.launchTcb(hypervisor.tee());
        step.ok();
      }
      Instant now = clock.instant();
      Instant deadline = valid.ttl().map(now::plus).orElse(null);
      CvmPaths paths = store.paths(id);
      CvmRecord record = new CvmRecord(id, CvmState.PROVISIONING, hypervisor.tee(), 0, cid, 0, null, now, deadline,
          null, null, launchTcb.orElse(null));
      cvm = new Cvm(id, paths, record);
      cvm.lock.lock();
      try (var context = CvmLogContext.of(id)) {
        cvms.put(id, cvm);
        prepareFiles(cvm, request);
        launch(cvm);
        publish(cvm, CvmEventType.RUNNING, "pid " + cvm.record.pid());
        return new CreatedCvm(id, cvm.record.hostPort());
      } finally {
        cvm.lock.unlock();
      }
    } catch (ManagerException | InterruptedException | RuntimeException e) {
      rollBack(cvm, cid, e);
      throw e;
    }
  }

  private void prepareFiles(Cvm cvm, CreateRequest request) throws ManagerException {
    try (TracedStep step = TracedStep.start(tracer, "prepare files", cvm.id)) {
      SecureFiles.createPrivateDirectory(cvm.paths.dir());
      AgentProvisioning.write(cvm.paths, cvm.id, request);
      SecureFiles.createPrivateDirectory(cvm.paths.vmDir());
      Files.createFile(cvm.paths.consoleLog(),
          java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
              java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
      store.save(cvm.record);
      step.ok();
    } catch (IOException e) {
      throw new ManagerException(ManagerException.Reason.INTERNAL, "cannot prepare the CVM's files: " + e.getMessage(), e);
    }
    publish(cvm, CvmEventType.CREATED, "");
  }

  /** Takes a port and starts the VM, trying another port if QEMU lost a race for this one. */
  private void launch(Cvm cvm) throws ManagerException, InterruptedException {
    for (int attempt = 1; ; attempt++) {
      int port;
      try (TracedStep step = TracedStep.start(tracer, "allocate port", cvm.id)) {
        port = ports.allocate().orElseThrow(() -> new ManagerException(ManagerException.Reason.RESOURCE_EXHAUSTED,
            "no free host port in MANAGER_QEMU_HOST_FWD_RANGE " + ports.range()));
        step.ok();
      }
      CvmRecord r = cvm.record;
      cvm.record = new CvmRecord(r.id(), r.state(), r.tee(), port, r.guestCid(), 0, null, r.createdAt(),
          r.ttlDeadline(), null, null, r.launchTcb());
      cvm.spec = new VmLaunchSpec(cvm.id, port, r.guestCid(), cvm.paths.vmDir(), cvm.paths.certsDir(),
          cvm.paths.envDir(), cvm.paths.consoleLog());
      long consoleStart = sizeOf(cvm);
      VmProcess process;
      try (TracedStep step = TracedStep.start(tracer, "qemu start", cvm.id)) {
        process = hypervisor.start(cvm.spec);
        step.ok();
      } catch (VmStartException e) {
        ports.release(port);
        if (e.getMessage() != null && e.getMessage().contains(PORT_RACE) && attempt < START_ATTEMPTS) {
          log.warn("port {} was taken before QEMU bound it; trying another", port);
          continue;
        }
        throw new ManagerException(ManagerException.Reason.FAILED_PRECONDITION,
            "QEMU failed to start: " + oneLine(e.getMessage()), e);
      }
      cvm.process = process;
      cvm.record = moved(cvm.record.withProcess(process.pid(), process.startedAt()), CvmState.RUNNING);
      try {
        store.save(cvm.record);
      } catch (IOException e) {
        throw new ManagerException(ManagerException.Reason.INTERNAL, "cannot persist the CVM's state: " + e.getMessage(), e);
      }
      watch(cvm, process, consoleStart);
      return;
    }
  }

  private void watch(Cvm cvm, VmProcess process, long consoleOffset) {
    console.follow(cvm.id, cvm.paths.consoleLog(), consoleOffset);
    process.exit().thenAcceptAsync(code -> onProcessExit(cvm, process, code), workers);
    armTtl(cvm);
  }

  /** Undoes a failed CreateVm: nothing of it may remain. */
  private void rollBack(Cvm cvm, int cid, Exception cause) {
    if (cvm != null) {
      cvm.lock.lock();
      try (var context = CvmLogContext.of(cvm.id)) {
        if (cvm.process != null) {
          stopUninterruptibly(cvm.process, Duration.ZERO);
        }
        if (cvm.ttlTimer != null) {
          cvm.ttlTimer.cancel(false);
        }
        console.stop(cvm.id);
        if (cvm.record.hostPort() != 0 && cvm.record.state() == CvmState.RUNNING) {
          ports.release(cvm.record.hostPort());
        }
        if (cvm.spec != null) {
          hypervisor.release(cvm.spec);
        }
        deleteQuietly(cvm);
        cvms.remove(cvm.id);
        cvm.record = moved(cvm.record, CvmState.FAILED).failed(cause.getMessage());
        publish(cvm, CvmEventType.FAILED, cause.getMessage());
      } finally {
        cvm.lock.unlock();
      }
    }
    if (cid >= 0) {
      cids.release(cid);
    }
    slots.give();
  }

  // ---------------------------------------------------------------- exit, TTL, remove

  private void onProcessExit(Cvm cvm, VmProcess process, int exitCode) {
    cvm.lock.lock();
    try (var context = CvmLogContext.of(cvm.id)) {
      if (cvm.process != process || cvm.record.state() != CvmState.RUNNING) {
        return; // being stopped on purpose: the remover cleans up
      }
      console.stop(cvm.id);
      releaseResources(cvm);
      deleteShares(cvm);
      cvm.record = moved(cvm.record, CvmState.EXITED).exited(exitCode);
      save(cvm);
      publish(cvm, CvmEventType.EXITED, "exit code " + exitCode);
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
    cvm.ttlTimer = timers.schedule(() -> workers.execute(() -> expire(cvm)), delay, TimeUnit.MILLISECONDS);
  }

  private void expire(Cvm cvm) {
    if (cvms.get(cvm.id) != cvm) {
      return;
    }
    publish(cvm, CvmEventType.TTL_EXPIRED, "ttl deadline " + cvm.record.ttlDeadline());
    try {
      remove(cvm);
    } catch (ManagerException e) {
      log.debug("CVM {} was already gone at its TTL", cvm.id);
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
    remove(cvm);
  }

  private void remove(Cvm cvm) throws ManagerException, InterruptedException {
    cvm.lock.lockInterruptibly();
    try (var context = CvmLogContext.of(cvm.id)) {
      if (cvms.get(cvm.id) != cvm) {
        throw ManagerException.notFound(cvm.id);
      }
      CvmState before = cvm.record.state();
      cvm.record = moved(cvm.record, CvmState.STOPPING);
      save(cvm);
      publish(cvm, CvmEventType.STOPPING, "was " + before.wireName());
      if (cvm.ttlTimer != null) {
        cvm.ttlTimer.cancel(false);
      }
      if (cvm.process != null) {
        try (TracedStep step = TracedStep.start(tracer, "qemu stop", cvm.id)) {
          int code = stopUninterruptibly(cvm.process, config.stopTimeout());
          log.debug("QEMU of CVM {} stopped with exit code {}", cvm.id, code);
          step.ok();
        }
      }
      console.stop(cvm.id);
      consoleBudgets.remove(cvm.id);
      if (before.holdsResources()) {
        releaseResources(cvm);
      }
      deleteQuietly(cvm);
      cvms.remove(cvm.id);
      cvm.record = moved(cvm.record, CvmState.REMOVED);
      publish(cvm, CvmEventType.REMOVED, "");
    } finally {
      cvm.lock.unlock();
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

  private void releaseResources(Cvm cvm) {
    if (cvm.record.hostPort() != 0) {
      ports.release(cvm.record.hostPort());
    }
    cids.release(cvm.record.guestCid());
    slots.give();
    if (cvm.spec != null) {
      hypervisor.release(cvm.spec);
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

  private void deleteQuietly(Cvm cvm) {
    try {
      store.deleteAll(cvm.id);
    } catch (IOException e) {
      log.error("cannot delete the files of CVM {}: {}", cvm.id, e.getMessage());
    }
  }

  // ---------------------------------------------------------------- queries

  @Override
  public CvmInfo cvmInfo(String cvmId) throws ManagerException {
    if (!cvms.containsKey(cvmId)) {
      throw ManagerException.notFound(cvmId);
    }
    GuestDescription g = hypervisor.guest();
    return new CvmInfo(cvmId, g.ovmfVersion(), g.cpuCount(), g.cpuType(), g.kernelCommandLine(), config.eosVersion());
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
    return new ConsoleSource(cvmId, cvm.paths.consoleLog(), () -> {
      CvmState state = cvm.record.state();
      return cvms.get(cvmId) != cvm || !(state == CvmState.PROVISIONING || state == CvmState.RUNNING);
    });
  }

  @Override
  public List<CvmRecord> listVms() {
    return cvms.values().stream().map(c -> c.record)
        .sorted(Comparator.comparing(CvmRecord::createdAt).thenComparing(CvmRecord::id)).toList();
  }

  // ---------------------------------------------------------------- restore

  /**
   * Takes over the CVMs an earlier manager left: adopts those whose QEMU still runs (and really
   * is theirs), keeps exited ones visible, finishes interrupted removals, and deletes every trace
   * of the rest. Call once, before serving.
   */
  public void restore() throws IOException {
    AtomicInteger adopted = new AtomicInteger();
    for (StateStore.Loaded loaded : store.loadAll()) {
      CvmRecord r = loaded.record();
      if (r == null) {
        log.warn("deleting CVM directory {} without a readable state", loaded.dir());
        SecureFiles.deleteTree(loaded.dir());
        continue;
      }
      try (var ignored = CvmLogContext.of(r.id())) {
        restoreOne(r, adopted);
      }
    }
    log.info("restore finished: {} CVM(s) adopted, {} known", adopted.get(), cvms.size());
  }

  private void restoreOne(CvmRecord r, AtomicInteger adopted) throws IOException {
    CvmPaths paths = store.paths(r.id());
    Cvm cvm = new Cvm(r.id(), paths, r);
    cvm.spec = new VmLaunchSpec(r.id(), r.hostPort(), r.guestCid(), paths.vmDir(), paths.certsDir(), paths.envDir(),
        paths.consoleLog());
    if (r.state() == CvmState.EXITED) {
      cvm.lock.lock();
      try {
        cvms.put(r.id(), cvm);
        armTtl(cvm);
      } finally {
        cvm.lock.unlock();
      }
      publish(cvm, CvmEventType.RESTORED, "exited");
      return;
    }
    Optional<VmProcess> process = r.pid() > 0 && r.processStart() != null
        ? hypervisor.adopt(cvm.spec, r.pid(), r.processStart())
        : Optional.empty();
    if (process.isEmpty()) {
      log.warn("QEMU of CVM {} (pid {}) is gone; cleaning up (was {})", r.id(), r.pid(), r.state().wireName());
      hypervisor.release(cvm.spec);
      store.deleteAll(r.id());
      return;
    }
    if (!ports.claim(r.hostPort())) {
      log.warn("port {} of adopted CVM {} is outside the range or claimed twice", r.hostPort(), r.id());
    }
    if (!cids.claim(r.guestCid())) {
      log.warn("guest CID {} of adopted CVM {} is claimed twice", r.guestCid(), r.id());
    }
    slots.take();
    cvm.lock.lock();
    try {
      cvm.process = process.get();
      cvm.record = r.state() == CvmState.RUNNING ? r : r.withState(CvmState.RUNNING);
      cvms.put(r.id(), cvm);
      watch(cvm, cvm.process, sizeOf(cvm));
    } finally {
      cvm.lock.unlock();
    }
    adopted.incrementAndGet();
    publish(cvm, CvmEventType.RESTORED, "pid " + r.pid());
    if (r.state() != CvmState.RUNNING) {
      log.info("finishing the interrupted removal of CVM {}", r.id());
      workers.execute(() -> {
        try {
          remove(cvm);
        } catch (ManagerException | InterruptedException e) {
          log.debug("interrupted removal of {} ended: {}", r.id(), e.getMessage());
        }
      });
    }
  }

  // ---------------------------------------------------------------- plumbing

  /**
   * Output of a failed start as one line for the caller. The end is kept when it is long: QEMU
   * prints its error last.
   */
  static String oneLine(String text) {
    String joined = String.join(" | ", text.strip().lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
    return joined.length() <= MAX_MESSAGE ? joined : "…" + joined.substring(joined.length() - MAX_MESSAGE);
  }

  private static CvmRecord moved(CvmRecord record, CvmState next) {
    if (!record.state().canBecome(next)) {
      throw new IllegalStateException("CVM " + record.id() + " cannot go from " + record.state().wireName() + " to "
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
    CvmEvent event = new CvmEvent(clock.instant(), cvm.id, type, cvm.record.state(), detail,
        type == CvmEventType.EXITED ? cvm.record.exitCode() : null);
    try (var context = CvmLogContext.of(cvm.id, cvm.record.state())) {
      if (type == CvmEventType.FAILED || type == CvmEventType.EXITED) {
        log.warn("CVM {}{}", type.wireName(), detail.isEmpty() ? "" : ": " + detail);
      } else {
        log.info("CVM {}{}", type.wireName(), detail.isEmpty() ? "" : ": " + detail);
      }
    }
    for (CvmEventListener l : eventListeners) {
      try {
        l.onEvent(event);
      } catch (RuntimeException e) {
        log.warn("event listener failed: {}", e.toString());
      }
    }
  }

  private void onConsoleLine(String cvmId, String line) {
    Cvm cvm = cvms.get(cvmId);
    CvmState state = cvm == null ? CvmState.REMOVED : cvm.record.state();
    ConsoleLogBudget budget = consoleBudgets.computeIfAbsent(cvmId, id -> new ConsoleLogBudget());
    try (var context = CvmLogContext.of(cvmId, state)) {
      long suppressed = budget.suppressedBefore(clock.millis());
      if (suppressed > 0) {
        consoleLog.warn("{} console lines were not logged (more than {} a second); StreamLogs and {} have them all",
            suppressed, ConsoleLogBudget.LINES_PER_SECOND, cvm == null ? "console.log" : cvm.paths.consoleLog());
      }
      if (budget.take()) {
        consoleLog.info(line);
      }
    }
    for (ConsoleWatcher.LineListener l : consoleListeners) {
      l.onLine(cvmId, line);
    }
  }

  /** Stops watching; CVMs keep running for the next manager to adopt. */
  @Override
  public void close() {
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
