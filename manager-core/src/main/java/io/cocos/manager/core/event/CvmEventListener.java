package io.cocos.manager.core.event;

/** Receives lifecycle events as they happen. Must return quickly and never throw. */
@FunctionalInterface
public interface CvmEventListener {
  void onEvent(CvmEvent event);
}
