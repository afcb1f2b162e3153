package io.cocos.manager.grpc.cms;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay that can go silent: once frozen it stops passing bytes but keeps every connection
 * open, as a peer that lost power or a network that black-holes packets would. Nothing closes, so
 * only keepalive can tell.
 */
final class FreezableProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final int targetPort;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile boolean frozen;

  FreezableProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.listener = new ServerSocket();
    listener.bind(new InetSocketAddress("127.0.0.1", 0));
    Thread acceptor = new Thread(this::accept, "proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return listener.getLocalPort();
  }

  void freeze() {
    frozen = true;
  }

  private void accept() {
    try {
      while (true) {
        Socket client = listener.accept();
        Socket server = new Socket("127.0.0.1", targetPort);
        sockets.add(client);
        sockets.add(server);
        relay(client, server);
        relay(server, client);
      }
    } catch (IOException e) {
      // closed
    }
  }

  private void relay(Socket from, Socket to) {
    Thread t =
        new Thread(
            () -> {
              byte[] buffer = new byte[16384];
              try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                for (int n; (n = in.read(buffer)) >= 0; ) {
                  if (!frozen) { // frozen: swallow it, and leave both ends open
                    out.write(buffer, 0, n);
                    out.flush();
                  }
                }
                if (!frozen) {
                  to.close(); // pass the end on
                }
              } catch (IOException e) {
                // one end closed
              }
            },
            "proxy-relay");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    listener.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
