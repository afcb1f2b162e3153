package io.cocos.manager.core.cvm;

import io.cocos.manager.core.alloc.ExclusiveDevice;
import io.cocos.manager.core.concurrent.DaemonThreads;
import io.cocos.manager.core.concurrent.Uninterruptibly;
import io.cocos.manager.core.event.CvmEventType;
import io.cocos.manager.core.store.CvmPaths;
import io.cocos.manager.core.store.StateStore;
import io.cocos.manager.core.vm.ExitStatus;
import io.cocos.manager.core.vm.FoundVm;
import io.cocos.manager.core.vm.Hypervisor;
import io.cocos.manager.core.vm.VmLaunchSpec;
import io.cocos.manager.core.vm.VmProcess;
import io.cocos.manager.core.vm.VmUnstoppableException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes over, at a start, what an earlier manager left.
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
 * exit:   QEMU ended, EXITED not recorded  running                   gone     listed exited with the status
 *   (or it ended while no manager ran)                                        its wrapper left (shares
 *                                                                             deleted, console kept); with
 *                                                                             no status: files deleted
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
final class CvmRestorer {
  private static final Logger log = LoggerFactory.getLogger(LifecycleManager.class);

  /** Adoptions run in parallel at a restart; see {@link #adoptAll}. */
  static final int ADOPTERS = 16;

  private final Duration stopTimeout;
  private final Hypervisor hypervisor;
  private final StateStore store;
  private final CvmLease.Resources resources;
  private final Optional<ExclusiveDevice> device;
  private final CvmRegistry registry;
  private final CvmSupervisor supervisor;
  private final ExecutorService workers;

  CvmRestorer(
      Duration stopTimeout,
      Hypervisor hypervisor,
      StateStore store,
      CvmLease.Resources resources,
      Optional<ExclusiveDevice> device,
      CvmRegistry registry,
      CvmSupervisor supervisor,
      ExecutorService workers) {
    this.stopTimeout = stopTimeout;
    this.hypervisor = hypervisor;
    this.store = store;
    this.resources = resources;
    this.device = device;
    this.registry = registry;
    this.supervisor = supervisor;
    this.workers = workers;
  }

  /**
   * Takes over what an earlier manager left (see the crash-point table above): quarantines what
   * fails the record checks, adopts the CVMs whose record is complete and whose QEMU still runs
   * (and really is theirs), keeps exited ones visible, finishes interrupted removals, stops every
   * other QEMU of this state dir (found by its command line), and deletes every trace of the rest.
   * Call once, before serving, with the state dir locked.
   */
  void restore() throws IOException {
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
        stopUnowned(vm);
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
        registry.size(),
        scan.quarantined().size());
  }

  private void stopUnowned(FoundVm vm) {
    log.warn(
        "stopping QEMU pid {} of {}: no valid record owns it", vm.process().pid(), vm.workDir());
    try {
      CvmSupervisor.stopUninterruptibly(vm.process(), stopTimeout);
    } catch (VmUnstoppableException e) {
      log.error(
          "QEMU pid {} of {} runs without an owner and cannot be stopped: {}",
          vm.process().pid(),
          vm.workDir(),
          e.getMessage());
    }
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
   * Each is awaited even if this thread is interrupted: it is bounded, and its QEMU must not be
   * left unowned.
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
        Executors.newFixedThreadPool(
            Math.min(ADOPTERS, running.size()), DaemonThreads.numbered("cvm-adopt"));
    try {
      Map<String, Future<Optional<VmProcess>>> pending = new LinkedHashMap<>();
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
      Map<String, Optional<VmProcess>> adopted = new HashMap<>();
      for (var entry : pending.entrySet()) {
        adopted.put(entry.getKey(), Uninterruptibly.get(entry.getValue(), RuntimeException.class));
      }
      return adopted;
    } finally {
      adopters.shutdown();
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
        registry.add(cvm);
        supervisor.armTtl(cvm);
        registry.publish(cvm, CvmEventType.RESTORED, "exited");
      } finally {
        cvm.lock.unlock();
      }
      return false;
    }
    VmLaunchSpec spec = specOf(r, paths);
    if (process.isEmpty()) {
      Optional<ExitStatus> ended =
          r.state() == CvmState.RUNNING ? hypervisor.endedStatus(spec) : Optional.empty();
      if (ended.isPresent()) {
        endedWhileDown(r, paths, spec, ended.get());
      } else {
        qemuGone(r, gone);
      }
      return false;
    }
    CvmLease lease = resources.claim(r.hostPort(), r.guestCid(), r.guestMemory());
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
        registry.transition(cvm, r.withState(CvmState.RUNNING));
      }
      registry.add(cvm);
      supervisor.watch(cvm, cvm.process, cvm.consoleSize());
      registry.publish(cvm, CvmEventType.RESTORED, "pid " + r.pid());
    } finally {
      cvm.lock.unlock();
    }
    if (r.state() == CvmState.STOPPING) {
      log.info("finishing the interrupted removal of CVM {}", r.id());
      workers.execute(
          () -> {
            try {
              supervisor.remove(cvm, false);
            } catch (ManagerException | InterruptedException e) {
              log.debug("interrupted removal of {} ended: {}", r.id(), e.getMessage());
            }
          });
    }
    return true;
  }

  /**
   * A running CVM whose QEMU ended while no manager ran, leaving its status: exited, as if it had
   * been watched (its console kept, its shares deleted). Only a running one: a provisioning CVM
   * cannot become exited, and a stopping one was being removed.
   */
  private void endedWhileDown(CvmRecord r, CvmPaths paths, VmLaunchSpec spec, ExitStatus status) {
    Cvm cvm = new Cvm(r.id(), paths, r, resources.nothing());
    cvm.spec = spec;
    cvm.lock.lock();
    try {
      supervisor.retire(cvm);
      supervisor.deleteShares(cvm);
      registry.add(cvm);
      registry.transition(
          cvm,
          r.exited(status.exitCode()),
          CvmEventType.EXITED,
          status.describe() + " (ended while no manager ran)");
      supervisor.armTtl(cvm);
    } finally {
      cvm.lock.unlock();
    }
  }

  /** The QEMU of a recorded, not exited CVM is not running (any more): it is cleaned up later. */
  private static void qemuGone(CvmRecord r, List<CvmRecord> gone) {
    log.warn(
        "QEMU of CVM {} (pid {}) is not running; cleaning up (was {})",
        r.id(),
        r.pid(),
        r.state().wireName());
    gone.add(r);
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
      CvmRecord stopping = r.state() == CvmState.STOPPING ? r : r.withState(CvmState.STOPPING);
      registry.add(new Cvm(r.id(), paths, stopping, resources.nothing()));
    }
  }
}
