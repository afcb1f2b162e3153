package io.cocos.manager.core.vm;

/**
 * A VM that outlived its SIGKILL: it is not this manager's to signal (a root QEMU started through
 * sudo by an unprivileged manager) or it is stuck in the kernel. Unchecked because no caller can do
 * more than report it and leave the VM's record in place for an operator and a retry.
 */
public final class VmUnstoppableException extends RuntimeException {
  public VmUnstoppableException(String message) {
    super(message);
  }
}
