package io.cocos.manager.core.concurrent;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The manager's own threads are daemons: none of them may keep the JVM alive once the daemon's
 * shutdown hook has run, and a CVM's QEMU does not depend on any of them.
 */
public final class DaemonThreads {
  private DaemonThreads() {}

  /** Threads named {@code name} (for a single-thread executor), or {@code name-N} when numbered. */
  public static ThreadFactory factory(String name, boolean numbered) {
    AtomicInteger n = new AtomicInteger();
    return r -> newThread(numbered ? name + "-" + n.incrementAndGet() : name, r);
  }

  /** Threads named {@code name} (for a single-thread executor). */
  public static ThreadFactory named(String name) {
    return factory(name, false);
  }

  /** Threads named {@code name-1}, {@code name-2}, … (for a pool). */
  public static ThreadFactory numbered(String name) {
    return factory(name, true);
  }

  /** A daemon thread, not started. */
  public static Thread newThread(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    return t;
  }

  /** A daemon thread, started. */
  public static Thread start(String name, Runnable body) {
    Thread t = newThread(name, body);
    t.start();
    return t;
  }
}
