package io.cocos.manager.qemu.qmp;

import java.io.IOException;

/** The QMP connection ended (QEMU exited or closed it, or we closed it) before a reply came. */
public final class QmpClosedException extends IOException {
  public QmpClosedException(String message) {
    super(message);
  }

  public QmpClosedException(String message, Throwable cause) {
    super(message, cause);
  }
}
