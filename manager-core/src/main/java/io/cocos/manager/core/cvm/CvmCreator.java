package io.cocos.manager.core.cvm;

import io.cocos.manager.core.agent.AgentProvisioning;
import io.cocos.manager.core.alloc.ExclusiveDevice;
import io.cocos.manager.core.config.ControlCharacters;
import io.cocos.manager.core.event.CvmEventType;
import io.cocos.manager.core.store.DiskFull;
import io.cocos.manager.core.store.SecureFiles;
import io.cocos.manager.core.store.StateStore;
import io.cocos.manager.core.trace.StepTracer;
import io.cocos.manager.core.vm.Hypervisor;
import io.cocos.manager.core.vm.VmLaunchSpec;
import io.cocos.manager.core.vm.VmProcess;
import io.cocos.manager.core.vm.VmStartException;
import io.cocos.manager.core.vm.VmUnstoppableException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CreateVm: the record written ahead, the files, QEMU spawned and awaited (on another port if it
 * lost a race for its one), and on any failure a rollback that leaves nothing behind; failures are
 * mapped to the caller's errors here. Locking: see {@link CvmRegistry}.
 */
final class CvmCreator {
  private static final Logger log = LoggerFactory.getLogger(LifecycleManager.class);

  /** QEMU's words when another process took the forwarded port between our probe and its bind. */
  private static final String PORT_RACE = "host forwarding rule";

  private static final int START_ATTEMPTS = 3;
  private static final int MAX_MESSAGE = 2000;

  private final Hypervisor hypervisor;
  private final AttestationPolicies attestation;
  private final StateStore store;
  private final CvmLease.Resources resources;
  private final Optional<ExclusiveDevice> device;
  private final CvmRegistry registry;
  private final CvmConsoles consoles;
  private final CvmSupervisor supervisor;
  private final StepTracer tracer;
  private final Clock clock;

  CvmCreator(
      Hypervisor hypervisor,
      AttestationPolicies attestation,
      StateStore store,
      CvmLease.Resources resources,
      Optional<ExclusiveDevice> device,
      CvmRegistry registry,
      CvmConsoles consoles,
      CvmSupervisor supervisor,
      StepTracer tracer,
      Clock clock) {
    this.hypervisor = hypervisor;
    this.attestation = attestation;
    this.store = store;
    this.resources = resources;
    this.device = device;
    this.registry = registry;
    this.consoles = consoles;
    this.supervisor = supervisor;
    this.tracer = tracer;
    this.clock = clock;
  }

  CreatedCvm create(CreateRequest request) throws ManagerException, InterruptedException {
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
      try (StepTracer.Step step = tracer.start("attestation launch tcb", id)) {
        launchTcb = attestation.launchTcb(hypervisor.tee());
        step.ok();
      }
      Instant now = clock.instant();
      Instant deadline = valid.ttl().map(now::plus).orElse(null);
      CvmRecord record =
          CvmRecord.provisioning(
              id,
              hypervisor.tee(),
              lease.port(),
              lease.cid(),
              now,
              deadline,
              launchTcb.orElse(null),
              lease.memory());
      cvm = new Cvm(id, store.paths(id), record, lease);
      cvm.lock.lock();
      try (var context = CvmLogContext.of(id)) {
        registry.add(cvm);
        writeAhead(cvm, request);
        launch(cvm, request.aaKbsParams());
        CrashPoint.CREATE_RUNNING.reach();
        registry.publish(cvm, CvmEventType.RUNNING, "pid " + cvm.record.pid());
        return new CreatedCvm(id, cvm.record.hostPort());
      } finally {
        cvm.lock.unlock();
      }
    } catch (Throwable e) {
      // Whatever was thrown — an Error too (OutOfMemoryError, StackOverflowError): a create that
      // does not complete leaves no QEMU, lease or record behind. The rollback allocates little,
      // and the failed step's garbage is collectable by now.
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
    try (StepTracer.Step step = tracer.start("prepare files", cvm.id)) {
      store.save(cvm.record);
      AgentProvisioning.write(cvm.paths, cvm.id, request);
      SecureFiles.createPrivateDirectory(cvm.paths.vmDir());
      Files.createFile(
          cvm.paths.consoleLog(),
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      step.ok();
    } catch (IOException e) {
      throw storageFailure("cannot prepare the CVM's files", e);
    }
    CrashPoint.CREATE_RECORD_WRITTEN.reach();
    registry.publish(cvm, CvmEventType.CREATED, "");
  }

  /**
   * Spawns the VM, records its pid, then waits for it to be ready; tries another port if QEMU lost
   * a race for this one (the new port is recorded before the next spawn). The records written here
   * must reach the disk (a failure fails the create), so they are saved here, not by {@link
   * CvmRegistry#transition}; RUNNING is published by the caller once the create is complete.
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
      long consoleStart = cvm.consoleSize();
      VmProcess process;
      try (StepTracer.Step step = tracer.start("qemu spawn", cvm.id)) {
        process = hypervisor.spawn(cvm.spec);
        step.ok();
      } catch (VmStartException e) {
        throw startFailure(e);
      }
      cvm.process = process;
      CrashPoint.CREATE_SPAWNED.reach();
      saveOrThrow(cvm, cvm.record.withProcess(process.pid(), process.startedAt()));
      CrashPoint.CREATE_PID_PERSISTED.reach();
      try (StepTracer.Step step = tracer.start("qemu ready", cvm.id)) {
        hypervisor.awaitReady(cvm.spec, process);
        step.ok();
      } catch (VmStartException e) {
        cvm.process = null; // stopped by awaitReady
        if (e.getMessage() != null
            && e.getMessage().contains(PORT_RACE)
            && attempt < START_ATTEMPTS) {
          log.warn("port {} was taken before QEMU bound it; trying another", cvm.record.hostPort());
          saveOrThrow(cvm, cvm.record.onNewPort(cvm.lease.changePort()));
          continue;
        }
        throw startFailure(e);
      }
      CvmRegistry.checkMove(cvm.record, CvmState.RUNNING);
      saveOrThrow(cvm, cvm.record.withState(CvmState.RUNNING));
      supervisor.watch(cvm, process, consoleStart);
      return;
    }
  }

  /** Sets and saves the CVM's record; a failure to save fails the create. */
  private void saveOrThrow(Cvm cvm, CvmRecord next) throws ManagerException {
    cvm.record = next;
    try {
      store.save(cvm.record);
    } catch (IOException e) {
      throw storageFailure("cannot persist the CVM's state", e);
    }
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
          CvmSupervisor.stopUninterruptibly(cvm.process, Duration.ZERO);
        } catch (VmUnstoppableException e) {
          keepUnstoppable(cvm, e);
          return;
        }
      }
      cvm.cancelTtl();
      registry.remove(cvm);
      consoles.stop(cvm.id);
      supervisor.retire(cvm);
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
      registry.transition(cvm, cvm.record.failed(why), CvmEventType.FAILED, why);
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
    registry.transition(cvm, CvmState.STOPPING, CvmEventType.STOPPING, e.getMessage());
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

  /**
   * Output of a failed start as one line for the caller, its control and format characters escaped
   * (a guest's console is in it). The end is kept when it is long: QEMU prints its error last.
   */
  static String oneLine(String text) {
    String joined =
        ControlCharacters.escape(
            String.join(
                " | ", text.strip().lines().map(String::strip).filter(l -> !l.isEmpty()).toList()));
    return joined.length() <= MAX_MESSAGE
        ? joined
        : "…" + joined.substring(joined.length() - MAX_MESSAGE);
  }
}
