package io.cocos.manager.core.event;

/** The kinds of lifecycle events. */
public enum CvmEventType {
  CREATED,
  RUNNING,
  STOPPING,
  REMOVED,
  EXITED,
  FAILED,
  TTL_EXPIRED,
  RESTORED;

  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
