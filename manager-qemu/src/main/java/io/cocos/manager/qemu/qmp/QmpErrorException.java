package io.cocos.manager.qemu.qmp;

/** QEMU answered a command with an error: its class (e.g. CommandNotFound) and its own words. */
public final class QmpErrorException extends Exception {
  private final String errorClass;

  public QmpErrorException(String command, String errorClass, String description) {
    super("QMP " + command + " failed: " + errorClass + ": " + description);
    this.errorClass = errorClass;
  }

  public String errorClass() {
    return errorClass;
  }
}
