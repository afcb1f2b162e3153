package io.cocos.manager.core.vm;

/** The VM did not start. The message carries the hypervisor's own words (QEMU's stderr). */
public final class VmStartException extends Exception {
  public VmStartException(String message) {
    super(message);
  }

  public VmStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
