package io.cocos.manager.core.store;

import java.nio.file.Path;

/**
 * Where one CVM's files live: everything under one directory, so removing the CVM removes all of it
 * at once and nothing is scattered over /tmp.
 *
 * <pre>
 * &lt;state dir&gt;/cvms/&lt;id&gt;/state.json   persisted record (restore after restart)
 *                      console.log  QEMU's stdout and stderr
 *                      certs/       9P share certs_share (0700; key.pem 0600)
 *                      env/         9P share env_share, holds the agent's environment file
 *                      vm/          the hypervisor's own per-CVM files (OVMF vars copy)
 * </pre>
 */
public record CvmPaths(Path dir) {
  public Path stateFile() {
    return dir.resolve("state.json");
  }

  public Path consoleLog() {
    return dir.resolve("console.log");
  }

  public Path certsDir() {
    return dir.resolve("certs");
  }

  public Path envDir() {
    return dir.resolve("env");
  }

  public Path vmDir() {
    return dir.resolve("vm");
  }
}
