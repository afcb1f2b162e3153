package io.cocos.manager.core.agent;

import io.cocos.manager.core.concurrent.DaemonThreads;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a CVM's agent answers on its forwarded host port. Connecting is not enough: QEMU's
 * user-mode network accepts a host connection before anything in the guest listens (and then closes
 * it, or holds it while it tries the guest). So the probe sends an HTTP/2 client preface with an
 * empty SETTINGS frame and waits for a byte back, which any gRPC server — the Cocos agent is one —
 * sends (its own SETTINGS).
 *
 * <p>Threads: every probe in flight is a non-blocking socket on one selector thread ("agent-probe",
 * started with the first probe), which connects, writes, reads the first byte and ends probes past
 * their time. A guest still booting holds each probe for its whole timeout; were a probe a blocked
 * thread, 500 booting CVMs would be hundreds of threads. Futures complete on that thread; {@link
 * #queued} hands it new probes.
 */
public final class Http2AgentProbe implements AgentProbe {
  private static final Logger log = LoggerFactory.getLogger(Http2AgentProbe.class);

  /** The connection preface of RFC 9113 §3.4, then a SETTINGS frame without settings. */
  static final byte[] HTTP2_PREFACE =
      concat(
          "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
          new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});

  /**
   * How often the selector looks for probes past their time, at the latest, while any is in flight.
   */
  private static final long SWEEP_MILLIS = 100;

  private final String host;
  private final long timeoutNanos;
  private final Queue<Attempt> queued = new ConcurrentLinkedQueue<>();
  private Selector selector; // guarded by this until started, then the selector thread's

  /**
   * @param timeout for the connect and for the answer, each
   */
  public Http2AgentProbe(String host, Duration timeout) {
    this.host = host;
    this.timeoutNanos = Math.max(1, timeout.toNanos());
  }

  /** One probe; false on any failure (refused, closed without a byte, timed out). */
  @Override
  public CompletableFuture<Boolean> answers(int port) {
    Attempt attempt = new Attempt(port);
    queued.add(attempt);
    started().wakeup();
    return attempt.result;
  }

  private synchronized Selector started() {
    if (selector == null) {
      try {
        selector = Selector.open();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot open the agent probe's selector", e);
      }
      DaemonThreads.start("agent-probe", this::run);
    }
    return selector;
  }

  private void run() {
    Selector sel = started();
    ByteBuffer oneByte = ByteBuffer.allocate(1);
    while (true) {
      try {
        // Nothing in flight (every agent answered, or no CVM): sleep until a probe is queued.
        if (sel.keys().isEmpty()) {
          sel.select();
        } else {
          sel.select(SWEEP_MILLIS);
        }
        for (Attempt attempt = queued.poll(); attempt != null; attempt = queued.poll()) {
          attempt.start(sel);
        }
        var selected = sel.selectedKeys().iterator();
        while (selected.hasNext()) {
          SelectionKey key = selected.next();
          selected.remove();
          ((Attempt) key.attachment()).step(key, oneByte);
        }
        long now = System.nanoTime();
        for (SelectionKey key : sel.keys()) {
          Attempt attempt = (Attempt) key.attachment();
          if (now - attempt.deadline > 0) {
            attempt.finish(false);
          }
        }
      } catch (Throwable t) {
        log.error(
            "agent probe loop failed; going on", t); // every CVM's probe depends on this thread
      }
    }
  }

  private final class Attempt {
    final int port;
    final CompletableFuture<Boolean> result = new CompletableFuture<>();
    final ByteBuffer preface = ByteBuffer.wrap(HTTP2_PREFACE);
    SocketChannel channel;
    long deadline;

    Attempt(int port) {
      this.port = port;
    }

    void start(Selector sel) {
      deadline = System.nanoTime() + timeoutNanos;
      try {
        channel = SocketChannel.open();
        channel.configureBlocking(false);
        if (channel.connect(new InetSocketAddress(host, port))) {
          connected(channel.register(sel, 0, this));
        } else {
          channel.register(sel, SelectionKey.OP_CONNECT, this);
        }
      } catch (IOException | RuntimeException e) {
        finish(false);
      }
    }

    void step(SelectionKey key, ByteBuffer oneByte) {
      try {
        if (key.isConnectable() && channel.finishConnect()) {
          connected(key);
        } else if (key.isWritable()) {
          write(key);
        } else if (key.isReadable()) {
          oneByte.clear();
          int n = channel.read(oneByte);
          if (n != 0) {
            finish(n > 0);
          }
        }
      } catch (IOException | RuntimeException e) {
        finish(false);
      }
    }

    private void connected(SelectionKey key) throws IOException {
      deadline = System.nanoTime() + timeoutNanos; // the answer gets its own time
      write(key);
    }

    private void write(SelectionKey key) throws IOException {
      channel.write(preface);
      key.interestOps(preface.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
    }

    void finish(boolean answered) {
      try {
        if (channel != null) {
          channel.close(); // also cancels its key
        }
      } catch (IOException e) {
        log.debug("closing the probe of port {}: {}", port, e.toString());
      }
      result.complete(answered);
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = new byte[a.length + b.length];
    System.arraycopy(a, 0, both, 0, a.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }
}
