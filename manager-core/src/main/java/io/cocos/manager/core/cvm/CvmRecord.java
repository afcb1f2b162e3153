package io.cocos.manager.core.cvm;

import io.cocos.manager.core.vm.TeeKind;
import java.time.Instant;

/**
 * An immutable snapshot of one CVM: what ListVms shows and what is persisted for restore.
 *
 * @param pid QEMU's pid, 0 before it started
 * @param processStart when that process started, to recognise it after a restart (pids are reused)
 * @param ttlDeadline when the CVM is removed automatically; null for no TTL
 * @param exitCode set in state EXITED
 * @param failure why it failed, in state FAILED
 * @param launchTcb the SEV-SNP launch TCB taken at creation (unsigned 64-bit, decimal), or null
 */
public record CvmRecord(
    String id,
    CvmState state,
    TeeKind tee,
    int hostPort,
    int guestCid,
    long pid,
    Instant processStart,
    Instant createdAt,
    Instant ttlDeadline,
    Integer exitCode,
    String failure,
    String launchTcb) {

  public CvmRecord withState(CvmState next) {
    return new CvmRecord(
        id,
        next,
        tee,
        hostPort,
        guestCid,
        pid,
        processStart,
        createdAt,
        ttlDeadline,
        exitCode,
        failure,
        launchTcb);
  }

  public CvmRecord withProcess(long newPid, Instant start) {
    return new CvmRecord(
        id,
        state,
        tee,
        hostPort,
        guestCid,
        newPid,
        start,
        createdAt,
        ttlDeadline,
        exitCode,
        failure,
        launchTcb);
  }

  public CvmRecord exited(int code) {
    return new CvmRecord(
        id,
        CvmState.EXITED,
        tee,
        hostPort,
        guestCid,
        pid,
        processStart,
        createdAt,
        ttlDeadline,
        code,
        failure,
        launchTcb);
  }

  public CvmRecord failed(String reason) {
    return new CvmRecord(
        id,
        CvmState.FAILED,
        tee,
        hostPort,
        guestCid,
        pid,
        processStart,
        createdAt,
        ttlDeadline,
        exitCode,
        reason,
        launchTcb);
  }
}
