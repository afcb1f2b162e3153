package io.cocos.manager.qemu.qmp;

import io.cocos.manager.core.concurrent.DaemonThreads;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that serves every QMP connection of the JVM: a {@link Selector} over their
 * non-blocking Unix sockets. A connection costs a selection key and its {@link QmpClient}, no
 * thread: 500 CVMs are 500 keys on this thread.
 *
 * <p>Threads: only the selector thread ("qmp-selector", a daemon started with the first connection)
 * reads, parses and dispatches; it owns the shared {@link #readBuffer}. Other threads hand it work
 * through {@link #tasks} (registrations) and {@link Selector#wakeup()}; changing a key's interest
 * set is safe from any thread. What runs on this thread — a connection's event listener, the
 * callbacks of a reply's future — must not block: it would stall every connection.
 */
final class QmpSelector implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(QmpSelector.class);

  /** Read at most this much per read call; QEMU's messages are a few hundred bytes. */
  static final int READ_BUFFER_BYTES = 64 * 1024;

  private static QmpSelector shared;

  private final Selector selector;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();

  /** Owned by the selector thread: every connection reads through it, one at a time. */
  private final ByteBuffer readBuffer = ByteBuffer.allocate(READ_BUFFER_BYTES);

  private final Thread thread;

  private QmpSelector() throws IOException {
    selector = Selector.open();
    thread = DaemonThreads.start("qmp-selector", this);
  }

  /** The JVM's selector, started on first use; it runs as long as the JVM. */
  static synchronized QmpSelector shared() {
    if (shared == null) {
      try {
        shared = new QmpSelector();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot open the QMP selector", e);
      }
    }
    return shared;
  }

  /** Starts serving {@code client}'s channel, which must be non-blocking. */
  void register(SocketChannel channel, QmpClient client) {
    tasks.add(
        () -> {
          try {
            client.registered(channel.register(selector, SelectionKey.OP_READ, client));
          } catch (ClosedChannelException e) {
            client.fail(e);
          }
        });
    selector.wakeup();
  }

  /**
   * Lets the selector thread see a key's new interest set, or finish closing a channel: the JDK
   * releases a registered channel's file descriptor only at the next selection.
   */
  void wakeup() {
    selector.wakeup();
  }

  @Override
  public void run() {
    while (true) {
      try {
        selector.select();
        for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
          task.run();
        }
        var selected = selector.selectedKeys().iterator();
        while (selected.hasNext()) {
          SelectionKey key = selected.next();
          selected.remove();
          serve(key);
        }
      } catch (Throwable t) {
        // The thread must outlive any one failure: every connection depends on it.
        log.error("QMP selector loop failed; going on", t);
      }
    }
  }

  private void serve(SelectionKey key) {
    QmpClient client = (QmpClient) key.attachment();
    try {
      if (key.isValid() && key.isWritable()) {
        client.flush();
      }
      if (key.isValid() && key.isReadable()) {
        client.readAvailable(readBuffer);
      }
    } catch (CancelledKeyException e) {
      // closed by another thread meanwhile: that thread ended the connection
    } catch (IOException | RuntimeException e) {
      client.fail(e);
    }
  }
}
