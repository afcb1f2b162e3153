package io.cocos.manager.core.testing;

import io.cocos.manager.core.vm.ExitStatus;
import io.cocos.manager.core.vm.FoundVm;
import io.cocos.manager.core.vm.GuestDescription;
import io.cocos.manager.core.vm.GuestEvent;
import io.cocos.manager.core.vm.Hypervisor;
import io.cocos.manager.core.vm.TeeKind;
import io.cocos.manager.core.vm.VmLaunchSpec;
import io.cocos.manager.core.vm.VmProcess;
import io.cocos.manager.core.vm.VmStartException;
import io.cocos.manager.core.vm.VmUnstoppableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * An in-memory hypervisor for the domain's unit tests: VMs are futures, not processes. (The QEMU
 * implementation is tested with real processes in manager-qemu.)
 */
public final class FakeHypervisor implements Hypervisor {
  private final AtomicLong pids = new AtomicLong(1000);
  public final Map<Long, FakeVm> running = new ConcurrentHashMap<>();
  public final List<VmLaunchSpec> started = Collections.synchronizedList(new ArrayList<>());
  public final List<VmLaunchSpec> released = Collections.synchronizedList(new ArrayList<>());

  /** Failures handed out by the next start() calls, in order. */
  public final Queue<String> failures = new ConcurrentLinkedQueue<>();

  /**
   * Throwables (Errors or RuntimeExceptions) thrown, once each, by the next awaitReady() calls
   * while the VM keeps running: the manager itself failing (an OutOfMemoryError, a bug) after the
   * spawn.
   */
  public final Queue<Throwable> readinessThrows = new ConcurrentLinkedQueue<>();

  /**
   * Thrown, once, when the lifecycle subscribes to a VM's guest events: a failure in the create's
   * last step.
   */
  public final Queue<Throwable> guestEventSubscriptionThrows = new ConcurrentLinkedQueue<>();

  /** When set, stop() blocks until it counts down (to prove other CVMs are not blocked). */
  public volatile CountDownLatch stopGate;

  /** The exclusive device (a GPU) every VM gets, when set before the lifecycle is built. */
  public volatile String exclusiveDevice;

  /**
   * What VMs that ended while no manager ran left behind, by CVM id: what {@link #endedStatus}
   * reads.
   */
  public final Map<String, ExitStatus> endedWhileDown = new ConcurrentHashMap<>();

  /** When set, stop() fails as for a root QEMU an unprivileged manager cannot signal. */
  public volatile boolean unstoppable;

  /** Bytes of guest memory every VM is launched with (admission); 0 counts none. */
  public volatile long guestMemory;

  /** False to act as a hypervisor whose guests boot from a disk with their own kernel line. */
  public volatile boolean passesKernelParameters = true;

  public final class FakeVm implements VmProcess {
    final long pid = pids.incrementAndGet();
    final Instant start = Instant.now();
    final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    public final VmLaunchSpec spec;
    private volatile Consumer<GuestEvent> guestListener = e -> {};
    private volatile String guestStatus = "running";
    private volatile String shutdownReason;

    /** How many times it was shut down gracefully (the guest asked first). */
    public final AtomicInteger shutDowns = new AtomicInteger();

    FakeVm(VmLaunchSpec spec) {
      this.spec = spec;
    }

    @Override
    public long pid() {
      return pid;
    }

    @Override
    public Instant startedAt() {
      return start;
    }

    @Override
    public CompletableFuture<ExitStatus> exit() {
      return exit;
    }

    @Override
    public boolean isAlive() {
      return !exit.isDone();
    }

    /** The guest does something: its status follows and the event goes to the listener. */
    public void guest(GuestEvent.Kind kind, String detail, String status) {
      guestStatus = status;
      guestListener.accept(new GuestEvent(kind, detail, Instant.now()));
    }

    /** The guest powers itself off: a SHUTDOWN event with the reason, then the VM exits 0. */
    public void powerOff(String reason) {
      shutdownReason = reason;
      guest(GuestEvent.Kind.SHUTDOWN, reason, "shutdown");
      crash(0);
    }

    @Override
    public Optional<String> guestStatus() {
      return Optional.of(guestStatus);
    }

    @Override
    public void onGuestEvent(Consumer<GuestEvent> listener) {
      throwUnchecked(guestEventSubscriptionThrows.poll());
      guestListener = listener;
    }

    @Override
    public Optional<String> shutdownReason() {
      return Optional.ofNullable(shutdownReason);
    }

    @Override
    public int shutDown(Duration grace) throws InterruptedException {
      shutDowns.incrementAndGet();
      return stop(grace);
    }

    /** The VM dies on its own, with this code (128+N: killed by signal N). */
    public void crash(int code) {
      running.remove(pid);
      exit.complete(new ExitStatus(code));
    }

    @Override
    public int stop(Duration grace) throws InterruptedException {
      CountDownLatch gate = stopGate;
      if (gate != null && !gate.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("stop gate never opened");
      }
      if (unstoppable) {
        throw new VmUnstoppableException("fake VM pid " + pid + " is still alive after SIGKILL");
      }
      running.remove(pid);
      exit.complete(ExitStatus.killedBy(15));
      return exit.join().exitCode();
    }
  }

  @Override
  public TeeKind tee() {
    return TeeKind.NONE;
  }

  @Override
  public GuestDescription guest() {
    return new GuestDescription("edk2-test", 4, "EPYC", "console=ttyS0");
  }

  @Override
  public VmProcess spawn(VmLaunchSpec spec) throws VmStartException {
    if (!Files.isDirectory(spec.certsDir()) || !Files.isDirectory(spec.envDir())) {
      throw new VmStartException("shares missing");
    }
    started.add(spec);
    FakeVm vm = new FakeVm(spec);
    running.put(vm.pid, vm);
    return vm;
  }

  /** A queued failure makes the VM die during its readiness wait, as QEMU does on a bad option. */
  @Override
  public void awaitReady(VmLaunchSpec spec, VmProcess process) throws VmStartException {
    throwUnchecked(readinessThrows.poll());
    String failure = failures.poll();
    if (failure != null) {
      ((FakeVm) process).crash(1);
      throw new VmStartException(failure);
    }
  }

  @Override
  public List<FoundVm> findVms(Path cvmsDir) {
    return running.values().stream()
        .filter(vm -> vm.spec.workDir().startsWith(cvmsDir))
        .map(vm -> new FoundVm(vm.spec.workDir(), (VmProcess) vm))
        .toList();
  }

  @Override
  public Optional<VmProcess> adopt(VmLaunchSpec spec, long pid, Instant processStart) {
    FakeVm vm = running.get(pid);
    if (vm == null || !vm.start.equals(processStart) || !vm.spec.cvmId().equals(spec.cvmId())) {
      return Optional.empty();
    }
    return Optional.of(vm);
  }

  @Override
  public Optional<ExitStatus> endedStatus(VmLaunchSpec spec) {
    return Optional.ofNullable(endedWhileDown.get(spec.cvmId()));
  }

  @Override
  public boolean passesKernelParameters() {
    return passesKernelParameters;
  }

  @Override
  public long guestMemory() {
    return guestMemory;
  }

  @Override
  public String version() {
    return "fake 1.0";
  }

  @Override
  public Optional<String> exclusiveDevice() {
    return Optional.ofNullable(exclusiveDevice);
  }

  @Override
  public void release(VmLaunchSpec spec) {
    released.add(spec);
  }

  private static void throwUnchecked(Throwable t) {
    if (t instanceof Error error) {
      throw error;
    }
    if (t instanceof RuntimeException runtime) {
      throw runtime;
    }
    if (t != null) {
      throw new IllegalArgumentException("only unchecked throwables can be injected: " + t);
    }
  }

  public FakeVm vmOf(String cvmId) {
    return running.values().stream()
        .filter(v -> v.spec.cvmId().equals(cvmId))
        .findFirst()
        .orElseThrow();
  }
}
