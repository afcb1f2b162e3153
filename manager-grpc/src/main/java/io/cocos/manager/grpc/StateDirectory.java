package io.cocos.manager.grpc;

import io.cocos.manager.core.config.ConfigException;
import io.cocos.manager.core.store.StateDirLock;
import io.cocos.manager.core.store.StateStore;
import io.cocos.manager.grpc.ManagerDaemon.StartupException;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MANAGER_STATE_DIR, held by this manager: the lock taken before anything else reads or writes it
 * (a second manager on it stops there, exit code 1, having changed nothing), and the store of the
 * CVMs' records in it.
 */
record StateDirectory(StateDirLock lock, StateStore store) {
  /** The daemon's logger: releasing the lock is part of the daemon's stop. */
  private static final Logger log = LoggerFactory.getLogger(ManagerDaemon.class);

  /**
   * Locks the state dir and opens its store.
   *
   * @throws StartupException when another manager holds it
   * @throws ConfigException when it cannot be created or written
   */
  static StateDirectory lock(Path stateDir) throws StartupException {
    StateDirLock stateLock;
    StateStore store;
    try {
      stateLock = StateDirLock.acquire(stateDir);
    } catch (StateDirLock.HeldException e) {
      throw new StartupException(e.getMessage(), e);
    } catch (IOException e) {
      throw new ConfigException(
          "MANAGER_STATE_DIR",
          stateDir.toString(),
          "a directory the manager can create and write (" + e.getMessage() + ")");
    }
    try {
      store = new StateStore(stateDir);
    } catch (IOException e) {
      release(stateLock);
      throw new ConfigException(
          "MANAGER_STATE_DIR",
          stateDir.toString(),
          "a directory the manager can create and write (" + e.getMessage() + ")");
    }
    return new StateDirectory(stateLock, store);
  }

  /** Releases the lock; a failure is logged, not thrown (the manager is stopping). */
  static void release(StateDirLock lock) {
    try {
      lock.close();
    } catch (IOException e) {
      log.warn("cannot release the lock on the state directory: {}", e.getMessage());
    }
  }
}
