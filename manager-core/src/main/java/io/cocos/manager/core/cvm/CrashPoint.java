package io.cocos.manager.core.cvm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

/**
 * The named steps of create and remove at which a manager killed with kill -9 must leave a state a
 * restart ends consistently (see the table in {@link LifecycleManager}).
 *
 * <p>A test hook, inert in production: only when the JVM runs with {@code
 * -Dcocos.test.crash-point=<NAME>} does the thread reaching that point write the file named by
 * {@code -Dcocos.test.crash-marker} and then block for good, so that a test knows the manager is
 * exactly there when it kills it. The properties are read once; nothing else reads them.
 */
public enum CrashPoint {
  /** Create: the record (state provisioning, port, CID, pid 0) is on disk; QEMU not spawned. */
  CREATE_RECORD_WRITTEN,
  /** Create: QEMU spawned, its pid not yet on disk (the record still says pid 0). */
  CREATE_SPAWNED,
  /** Create: pid and start time on disk; the readiness wait has not ended. */
  CREATE_PID_PERSISTED,
  /** Create: the CVM is running and recorded so; the reply is not yet sent. */
  CREATE_RUNNING,
  /** Remove (RemoveVm or TTL): state stopping on disk; QEMU not yet stopped. */
  REMOVE_STOPPING_PERSISTED,
  /** Remove: QEMU stopped and reaped; no file deleted yet. */
  REMOVE_QEMU_STOPPED,
  /** Remove: every file but the record deleted. */
  REMOVE_CONTENTS_DELETED;

  private static final String ARMED = System.getProperty("cocos.test.crash-point", "");
  private static final String MARKER = System.getProperty("cocos.test.crash-marker", "");

  /** Marks this step as reached; blocks forever if a test armed it. */
  void reach() {
    if (!name().equals(ARMED)) {
      return;
    }
    try {
      Files.writeString(Path.of(MARKER), name());
    } catch (IOException e) {
      throw new IllegalStateException("cannot write the crash marker " + MARKER, e);
    }
    while (true) {
      LockSupport.park(this);
    }
  }
}
