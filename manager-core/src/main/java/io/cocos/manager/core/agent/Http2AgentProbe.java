package io.cocos.manager.core.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Whether a CVM's agent answers on its forwarded host port. Connecting is not enough: QEMU's
 * user-mode network accepts a host connection before anything in the guest listens (and then
 * closes it). So the probe sends an HTTP/2 client preface with an empty SETTINGS frame and waits
 * for a byte back, which any gRPC server — the Cocos agent is one — sends (its own SETTINGS).
 */
public final class Http2AgentProbe implements AgentProbe {
  /** The connection preface of RFC 9113 §3.4, then a SETTINGS frame without settings. */
  static final byte[] HTTP2_PREFACE = concat("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
      new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});

  private final String host;
  private final int timeoutMillis;

  /** @param timeout for the connect and for the answer, each */
  public Http2AgentProbe(String host, Duration timeout) {
    this.host = host;
    this.timeoutMillis = (int) Math.max(1, timeout.toMillis());
  }

  /** One probe; false on any failure (refused, closed without a byte, timed out). */
  @Override
  public boolean answers(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), timeoutMillis);
      socket.setSoTimeout(timeoutMillis);
      OutputStream out = socket.getOutputStream();
      out.write(HTTP2_PREFACE);
      out.flush();
      InputStream in = socket.getInputStream();
      return in.read() >= 0;
    } catch (IOException e) {
      return false;
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = new byte[a.length + b.length];
    System.arraycopy(a, 0, both, 0, a.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }
}
