package io.cocos.manager.qemu.args;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code -qmp unix:<socket>,server=on,wait=off}: QEMU's machine protocol on a Unix socket in the
 * CVM's work directory, which the manager connects to (readiness, guest status and events, graceful
 * power-down). wait=off: QEMU does not wait for a client before it runs the guest.
 */
public record QmpSocket(Path socket) implements QemuOption {
  /** sun_path holds 108 bytes with the terminating NUL; QEMU and the JDK refuse longer paths. */
  public static final int MAX_PATH_BYTES = 107;

  public QmpSocket {
    if (!socket.isAbsolute()) {
      throw new IllegalArgumentException("QMP socket must be an absolute path: " + socket);
    }
    QemuValues.requirePrintable(socket.toString(), "QMP socket");
    int length = socket.toString().getBytes(StandardCharsets.UTF_8).length;
    if (length > MAX_PATH_BYTES) {
      throw new IllegalArgumentException(
          "QMP socket path "
              + socket
              + " is "
              + length
              + " bytes, more than the "
              + MAX_PATH_BYTES
              + " a Unix socket allows: use a shorter MANAGER_STATE_DIR");
    }
  }

  @Override
  public List<String> render() {
    return List.of(
        "-qmp",
        "unix:" + QemuValues.optionValue(socket.toString(), "QMP socket") + ",server=on,wait=off");
  }
}
