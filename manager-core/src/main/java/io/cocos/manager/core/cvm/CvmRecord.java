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
 * @param guestMemory the guest memory (bytes) admission counted at creation, so that a restart
 *     counts an adopted CVM at the size it runs with, not at today's setting; 0 when unknown (a
 *     record from before this field)
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
    String launchTcb,
    long guestMemory) {

  /** A new CVM's first record: provisioning, no process yet. */
  static CvmRecord provisioning(
      String id,
      TeeKind tee,
      int hostPort,
      int guestCid,
      Instant createdAt,
      Instant ttlDeadline,
      String launchTcb,
      long guestMemory) {
    return new CvmRecord(
        id,
        CvmState.PROVISIONING,
        tee,
        hostPort,
        guestCid,
        0,
        null,
        createdAt,
        ttlDeadline,
        null,
        null,
        launchTcb,
        guestMemory);
  }

  public CvmRecord withState(CvmState next) {
    return new Builder(this).state(next).build();
  }

  public CvmRecord withProcess(long newPid, Instant start) {
    return new Builder(this).process(newPid, start).build();
  }

  /** On another host port, with no process, exit code or failure (before a new spawn). */
  CvmRecord onNewPort(int port) {
    Builder b = new Builder(this).process(0, null);
    b.hostPort = port;
    b.exitCode = null;
    b.failure = null;
    return b.build();
  }

  public CvmRecord exited(int code) {
    Builder b = new Builder(this).state(CvmState.EXITED);
    b.exitCode = code;
    return b.build();
  }

  public CvmRecord failed(String reason) {
    Builder b = new Builder(this).state(CvmState.FAILED);
    b.failure = reason;
    return b.build();
  }

  /**
   * A copy of a record with some fields changed: the one place besides the JSON that builds one.
   */
  private static final class Builder {
    private final CvmRecord from;
    private CvmState state;
    private int hostPort;
    private long pid;
    private Instant processStart;
    private Integer exitCode;
    private String failure;

    Builder(CvmRecord from) {
      this.from = from;
      state = from.state;
      hostPort = from.hostPort;
      pid = from.pid;
      processStart = from.processStart;
      exitCode = from.exitCode;
      failure = from.failure;
    }

    Builder state(CvmState next) {
      state = next;
      return this;
    }

    Builder process(long newPid, Instant start) {
      pid = newPid;
      processStart = start;
      return this;
    }

    CvmRecord build() {
      return new CvmRecord(
          from.id,
          state,
          from.tee,
          hostPort,
          from.guestCid,
          pid,
          processStart,
          from.createdAt,
          from.ttlDeadline,
          exitCode,
          failure,
          from.launchTcb,
          from.guestMemory);
    }
  }
}
