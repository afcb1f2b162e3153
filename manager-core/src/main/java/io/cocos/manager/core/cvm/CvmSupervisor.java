package io.cocos.manager.core.cvm;

import io.cocos.manager.core.alloc.ExclusiveDevice;
import io.cocos.manager.core.concurrent.Uninterruptibly;
import io.cocos.manager.core.event.CvmEventType;
import io.cocos.manager.core.store.SecureFiles;
import io.cocos.manager.core.store.StateStore;
import io.cocos.manager.core.trace.StepTracer;
import io.cocos.manager.core.vm.ExitStatus;
import io.cocos.manager.core.vm.GuestEvent;
import io.cocos.manager.core.vm.Hypervisor;
import io.cocos.manager.core.vm.VmProcess;
import io.cocos.manager.core.vm.VmUnstoppableException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A CVM from the moment its VM runs until it is gone: its guest events, its VM's exit, its TTL, and
 * its removal (stop, give back, delete). Locking: see {@link CvmRegistry}.
 */
final class CvmSupervisor {
  private static final Logger log = LoggerFactory.getLogger(LifecycleManager.class);

  private final Duration stopTimeout;
  private final Hypervisor hypervisor;
  private final Optional<ExclusiveDevice> device;
  private final StateStore store;
  private final CvmRegistry registry;
  private final CvmConsoles consoles;
  private final AgentReadiness agent;
  private final StepTracer tracer;
  private final ScheduledExecutorService timers;
  private final ExecutorService workers;
  private final Clock clock;

  CvmSupervisor(
      Duration stopTimeout,
      Hypervisor hypervisor,
      Optional<ExclusiveDevice> device,
      StateStore store,
      CvmRegistry registry,
      CvmConsoles consoles,
      AgentReadiness agent,
      StepTracer tracer,
      ScheduledExecutorService timers,
      ExecutorService workers,
      Clock clock) {
    this.stopTimeout = stopTimeout;
    this.hypervisor = hypervisor;
    this.device = device;
    this.store = store;
    this.registry = registry;
    this.consoles = consoles;
    this.agent = agent;
    this.tracer = tracer;
    this.timers = timers;
    this.workers = workers;
    this.clock = clock;
  }

  /**
   * Watches a CVM whose VM runs: its guest events, console, exit (handled on a worker, see {@link
   * CvmRegistry}), TTL and agent. Caller holds the CVM's lock.
   */
  void watch(Cvm cvm, VmProcess process, long consoleOffset) {
    process.onGuestEvent(event -> onGuestEvent(cvm, process, event));
    consoles.follow(cvm, consoleOffset);
    process.exit().thenAcceptAsync(status -> onProcessExit(cvm, process, status), workers);
    armTtl(cvm);
    agent.probe(cvm, process);
  }

  /**
   * A guest event becomes a lifecycle event at once. Called on the hypervisor's event thread (for
   * QEMU, the one thread serving every CVM's QMP): takes no lock and does nothing slow, it only
   * publishes. It changes no state, and a removal holds the CVM's lock while it waits for the VM to
   * end, which the hypervisor may be about to report on this very thread.
   */
  void onGuestEvent(Cvm cvm, VmProcess process, GuestEvent event) {
    if (!registry.holds(cvm) || cvm.process != process) {
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
    registry.publish(cvm, type, event.detail());
  }

  /** The VM of a running CVM ended by itself: the CVM stays listed as exited, holding nothing. */
  void onProcessExit(Cvm cvm, VmProcess process, ExitStatus status) {
    // Outside the lock: the hypervisor may take a moment to deliver its last words after the exit.
    Optional<String> reason = process.shutdownReason();
    cvm.lastGuestStatus = process.guestStatus().orElse("");
    cvm.lock.lock();
    try (var context = CvmLogContext.of(cvm.id)) {
      if (cvm.process != process || cvm.record.state() != CvmState.RUNNING) {
        return; // being stopped on purpose: the remover cleans up
      }
      consoles.stop(cvm.id);
      retire(cvm);
      deleteShares(cvm);
      registry.transition(
          cvm,
          cvm.record.exited(status.exitCode()),
          CvmEventType.EXITED,
          status.describe() + reason.map(r -> ", shutdown reason " + r).orElse(""));
    } finally {
      cvm.lock.unlock();
    }
  }

  /** Schedules the CVM's removal at its TTL deadline, if it has one. Caller holds its lock. */
  void armTtl(Cvm cvm) {
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

  /** Stops the CVM's VM, gives back what it held and deletes its files, its record last. */
  void remove(Cvm cvm, boolean ttlExpired) throws ManagerException, InterruptedException {
    cvm.lock.lockInterruptibly();
    try (var context = CvmLogContext.of(cvm.id)) {
      if (!registry.holds(cvm)) {
        throw ManagerException.notFound(cvm.id);
      }
      if (ttlExpired) {
        registry.publish(cvm, CvmEventType.TTL_EXPIRED, "ttl deadline " + cvm.record.ttlDeadline());
      }
      CvmState before = cvm.record.state();
      if (before != CvmState.STOPPING) {
        registry.transition(
            cvm, CvmState.STOPPING, CvmEventType.STOPPING, "was " + before.wireName());
      }
      cvm.cancelTtl();
      CrashPoint.REMOVE_STOPPING_PERSISTED.reach();
      if (cvm.process != null) {
        stop(cvm);
        cvm.process = null;
      }
      CrashPoint.REMOVE_QEMU_STOPPED.reach();
      consoles.stop(cvm.id);
      retire(cvm);
      deleteFiles(cvm);
      registry.remove(cvm);
      registry.transition(cvm, CvmState.REMOVED, CvmEventType.REMOVED, "");
    } finally {
      cvm.lock.unlock();
    }
  }

  /** Stops the CVM's VM for a removal. Caller holds the CVM's lock. */
  private void stop(Cvm cvm) throws ManagerException {
    try (StepTracer.Step step = tracer.start("qemu stop", cvm.id)) {
      int code = shutDownUninterruptibly(cvm.process, stopTimeout);
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
              + CvmCreator.oneLine(String.valueOf(e.getMessage()))
              + "; it stays listed as stopping until RemoveVm is retried (or the manager restarts) once they can be",
          e);
    }
  }

  /**
   * The one place a CVM gives back what it held: its lease (port, CID, slot), the exclusive device
   * and the hypervisor's files outside its directory. Safe to call more than once. Caller holds the
   * CVM's lock.
   */
  void retire(Cvm cvm) {
    cvm.lease.release();
    device.ifPresent(d -> d.release(cvm.id));
    if (cvm.spec != null) {
      hypervisor.release(cvm.spec);
    }
  }

  /**
   * Stops a VM gracefully ({@link VmProcess#shutDown}: the guest asked first) and always waits for
   * it to be reaped; interrupted, it kills the VM at once and re-raises the interrupt afterwards.
   */
  static int shutDownUninterruptibly(VmProcess process, Duration grace) {
    return Uninterruptibly.await(() -> process.shutDown(grace), () -> process.stop(Duration.ZERO));
  }

  /**
   * Stops a VM and always waits for it to be reaped, even if this thread is interrupted meanwhile
   * (then the VM is killed at once and the interrupt re-raised afterwards).
   */
  static int stopUninterruptibly(VmProcess process, Duration grace) {
    return Uninterruptibly.await(() -> process.stop(grace), () -> process.stop(Duration.ZERO));
  }

  /** An exited CVM keeps its record and console log; what it was given goes at once. */
  void deleteShares(Cvm cvm) {
    try {
      SecureFiles.deleteTree(cvm.paths.certsDir());
      SecureFiles.deleteTree(cvm.paths.envDir());
      SecureFiles.deleteTree(cvm.paths.vmDir());
    } catch (IOException e) {
      log.error("cannot delete the shares of CVM {}: {}", cvm.id, e.getMessage());
    }
  }
}
