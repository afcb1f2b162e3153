package io.cocos.manager.core.event;

/** Where lifecycle events can be followed. */
public interface CvmEvents {
  /** Starts delivering events to the listener; closing the result stops it. */
  AutoCloseable subscribe(CvmEventListener listener);
}
