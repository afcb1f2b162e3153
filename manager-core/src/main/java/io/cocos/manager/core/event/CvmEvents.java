package io.cocos.manager.core.event;

import io.cocos.manager.core.console.ConsoleWatcher;

/** Where lifecycle events and the CVMs' console lines can be followed. */
public interface CvmEvents {
  /** Starts delivering events to the listener; closing the result stops it. */
  AutoCloseable subscribe(CvmEventListener listener);

  /** Starts delivering every CVM's console lines to the listener; closing the result stops it. */
  AutoCloseable subscribeConsole(ConsoleWatcher.LineListener listener);
}
