package io.cocos.manager.core.cvm;

import io.cocos.manager.core.agent.AgentProbe;
import io.cocos.manager.core.agent.Http2AgentProbe;
import io.cocos.manager.core.alloc.CidAllocator;
import io.cocos.manager.core.alloc.ExclusiveDevice;
import io.cocos.manager.core.alloc.PortAllocator;
import io.cocos.manager.core.alloc.Slots;
import io.cocos.manager.core.concurrent.DaemonThreads;
import io.cocos.manager.core.config.LifecycleConfig;
import io.cocos.manager.core.console.ConsoleSource;
import io.cocos.manager.core.console.ConsoleWatcher;
import io.cocos.manager.core.event.CvmEventListener;
import io.cocos.manager.core.event.CvmEvents;
import io.cocos.manager.core.event.EventBus;
import io.cocos.manager.core.host.HostResources;
import io.cocos.manager.core.host.ProcHostResources;
import io.cocos.manager.core.store.StateStore;
import io.cocos.manager.core.trace.StepTracer;
import io.cocos.manager.core.vm.GuestDescription;
import io.cocos.manager.core.vm.Hypervisor;
import io.cocos.manager.core.vm.VmProcess;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CVM lifecycle: create, watch, expire, remove and restore. A facade over its parts, each with
 * one job:
 *
 * <ul>
 *   <li>{@link CvmRegistry}: the CVMs known, the queries, and every state change (checked, saved,
 *       published); its javadoc says which lock guards what.
 *   <li>{@link CvmCreator}: CreateVm, from the write-ahead record to a running QEMU or a rollback.
 *   <li>{@link CvmSupervisor}: a running CVM's guest events, exit, TTL and removal.
 *   <li>{@link AgentReadiness}: when a CVM's agent first answers.
 *   <li>{@link CvmRestorer}: what an earlier manager left, at a start; its javadoc has the
 *       crash-point table.
 *   <li>{@link CvmConsoles}: the CVMs' console logs, followed, published and logged.
 *   <li>{@link HostCapacity}: what the host can hold and what the CVMs hold of it (HostInfo); the
 *       memory admission itself is part of taking a {@link CvmLease}.
 * </ul>
 */
public final class LifecycleManager implements ManagerService, CvmEvents, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LifecycleManager.class);

  private final LifecycleConfig config;
  private final Hypervisor hypervisor;
  private final AttestationPolicies attestation;
  private final CvmLease.Resources resources;
  private final StepTracer tracer;
  private final EventBus bus = new EventBus();
  private final ScheduledExecutorService timers;
  private final ExecutorService workers;
  private final CvmRegistry registry;
  private final CvmConsoles consoles;
  private final CvmSupervisor supervisor;
  private final CvmCreator creator;
  private final CvmRestorer restorer;
  private final HostCapacity capacity;

  /**
   * The lifecycle of this host's CVMs: agents probed by an HTTP/2 preface on 127.0.0.1, memory and
   * CPUs read from this host's /proc.
   */
  public static LifecycleManager onThisHost(
      LifecycleConfig config,
      Hypervisor hypervisor,
      AttestationPolicies attestation,
      StateStore store,
      PortAllocator ports,
      Clock clock,
      StepTracer tracer) {
    return new LifecycleManager(
        config,
        hypervisor,
        attestation,
        store,
        ports,
        clock,
        tracer,
        new Http2AgentProbe("127.0.0.1", AgentReadiness.AGENT_PROBE_INTERVAL),
        ProcHostResources.system());
  }

  /**
   * With the agents probed by {@code agentProbe} and the host's memory and CPUs read from {@code
   * host}.
   */
  public LifecycleManager(
      LifecycleConfig config,
      Hypervisor hypervisor,
      AttestationPolicies attestation,
      StateStore store,
      PortAllocator ports,
      Clock clock,
      StepTracer tracer,
      AgentProbe agentProbe,
      HostResources host) {
    this.config = config;
    this.hypervisor = hypervisor;
    this.attestation = attestation;
    this.tracer = tracer;
    this.resources =
        new CvmLease.Resources(
            ports,
            new CidAllocator(config.firstGuestCid(), 1 << 20),
            new Slots(config.maxVms()),
            HostCapacity.admission(config.hostMemory(), host, hypervisor));
    // The device every CVM gets and only one can hold (a passed-through GPU), if there is one.
    Optional<ExclusiveDevice> device = hypervisor.exclusiveDevice().map(ExclusiveDevice::new);
    this.capacity = new HostCapacity(hypervisor, host, resources, device);
    log.info("admission: {}", capacity.describe());
    this.timers = Executors.newSingleThreadScheduledExecutor(DaemonThreads.numbered("cvm-ttl"));
    this.workers = Executors.newCachedThreadPool(DaemonThreads.numbered("cvm-lifecycle"));
    this.registry = new CvmRegistry(store, bus, clock);
    this.consoles = new CvmConsoles(registry, clock, config.consoleLogMaxSize());
    AgentReadiness agent = new AgentReadiness(registry, agentProbe, timers, workers, clock);
    this.supervisor =
        new CvmSupervisor(
            config.stopTimeout(),
            hypervisor,
            device,
            store,
            registry,
            consoles,
            agent,
            tracer,
            timers,
            workers,
            clock);
    this.creator =
        new CvmCreator(
            hypervisor,
            attestation,
            store,
            resources,
            device,
            registry,
            consoles,
            supervisor,
            tracer,
            clock);
    this.restorer =
        new CvmRestorer(
            config.stopTimeout(),
            hypervisor,
            store,
            resources,
            device,
            registry,
            supervisor,
            workers);
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

  @Override
  public CreatedCvm createVm(CreateRequest request) throws ManagerException, InterruptedException {
    return creator.create(request);
  }

  @Override
  public void removeVm(String cvmId) throws ManagerException, InterruptedException {
    supervisor.remove(registry.require(cvmId), false);
  }

  @Override
  public CvmInfo cvmInfo(String cvmId) throws ManagerException {
    registry.require(cvmId);
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
    Cvm cvm = registry.require(cvmId);
    try (StepTracer.Step step = tracer.start("attestation policy", cvmId)) {
      byte[] policy = attestation.policy(cvm.record);
      step.ok();
      return policy;
    }
  }

  @Override
  public ConsoleSource console(String cvmId) throws ManagerException {
    return consoles.source(cvmId);
  }

  @Override
  public String guestStatus(String cvmId) {
    return registry.guestStatus(cvmId);
  }

  @Override
  public Optional<Duration> agentReadyAfter(String cvmId) {
    return registry.agentReadyAfter(cvmId);
  }

  @Override
  public List<CvmRecord> listVms() {
    return registry.listVms();
  }

  @Override
  public HostInfo hostInfo() {
    return capacity.info();
  }

  /**
   * Takes over what an earlier manager left; see {@link CvmRestorer#restore}. Call once, before
   * serving, with the state dir locked.
   */
  public void restore() throws IOException {
    restorer.restore();
  }

  /** Stops watching; CVMs keep running for the next manager to adopt. */
  @Override
  public void close() {
    registry
        .all()
        .forEach(
            cvm -> {
              VmProcess process = cvm.process;
              if (process != null) {
                process.detach(); // a QEMU serves one QMP client at a time: the next manager's
              }
            });
    consoles.close();
    timers.shutdownNow();
    workers.shutdownNow();
  }
}
