package io.cocos.testcms;

import io.cocos.manager.cms.api.CmsMessage;
import io.cocos.manager.cms.api.Hello;
import io.cocos.manager.cms.api.Terminate;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

/**
 * One manager's Connect stream, seen from the CMS. Sending is synchronised: a gRPC stream observer
 * must not be called from two threads at once, and the operator's commands, the one-shot commands
 * and the tests may all send.
 */
public final class ManagerSession {
  private final StreamObserver<CmsMessage> toManager;
  private final String peer;
  private final String clientCertificate;
  private final Instant connectedAt = Instant.now();

  /** Told once, with the reason, however the stream ends. */
  private final BiConsumer<ManagerSession, String> whenEnded;

  private final AtomicBoolean endReported = new AtomicBoolean();
  private volatile Hello hello;
  private boolean closed;

  ManagerSession(
      StreamObserver<CmsMessage> toManager,
      String peer,
      String clientCertificate,
      BiConsumer<ManagerSession, String> whenEnded) {
    this.toManager = toManager;
    this.peer = peer;
    this.clientCertificate = clientCertificate;
    this.whenEnded = whenEnded;
  }

  /** The manager's address as the server saw it. */
  public String peer() {
    return peer;
  }

  /** The subject of the manager's client certificate; empty without mTLS. */
  public String clientCertificate() {
    return clientCertificate;
  }

  public Instant connectedAt() {
    return connectedAt;
  }

  /** The manager's hello, or null before it arrived. */
  public Hello hello() {
    return hello;
  }

  /** The manager's instance id once it said hello, its address before. */
  public String name() {
    Hello h = hello;
    return h == null ? peer : h.getInstanceId();
  }

  void helloReceived(Hello h) {
    hello = h;
  }

  /** Sends a message; throws IllegalStateException once the stream has ended. */
  public synchronized void send(CmsMessage message) {
    if (closed) {
      throw new IllegalStateException("manager " + name() + " has disconnected");
    }
    toManager.onNext(message);
  }

  /**
   * Asks the manager to disconnect, then ends the stream from this side (gRPC then reports nothing
   * more about it: a server call ends when the server ends it).
   */
  public void terminate(String reason) {
    synchronized (this) {
      send(CmsMessage.newBuilder().setTerminate(Terminate.newBuilder().setReason(reason)).build());
      closed = true;
      toManager.onCompleted();
    }
    ended("terminated by the CMS: " + reason);
  }

  synchronized boolean isOpen() {
    return !closed;
  }

  /**
   * The manager half-closed: answer in kind (a gRPC server call ends only when the server ends it).
   */
  void endFromManager() {
    synchronized (this) {
      if (!closed) {
        closed = true;
        toManager.onCompleted();
      }
    }
    ended("the manager closed the stream");
  }

  void broken(String reason) {
    synchronized (this) {
      closed = true;
    }
    ended(reason);
  }

  private void ended(String reason) {
    if (endReported.compareAndSet(false, true)) {
      whenEnded.accept(this, reason);
    }
  }
}
