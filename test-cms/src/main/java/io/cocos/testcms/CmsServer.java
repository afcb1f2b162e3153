package io.cocos.testcms;

import io.cocos.manager.cms.api.CmsMessage;
import io.cocos.manager.cms.api.ComputationManagementServiceGrpc;
import io.cocos.manager.cms.api.ManagerMessage;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The CMS end of the manager link: serves ComputationManagementService.Connect over plaintext, TLS
 * or mTLS, keeps a {@link ManagerSession} per connected manager and hands everything that happens
 * to a {@link Listener}. Listener calls come from gRPC's threads, one stream's messages in order.
 */
public final class CmsServer implements AutoCloseable {
  /** What the server reports. Must return quickly. */
  public interface Listener {
    void onConnected(ManagerSession session);

    void onMessage(ManagerSession session, ManagerMessage message);

    void onDisconnected(ManagerSession session, String reason);
  }

  /**
   * The server's identity; with {@code clientCa}, managers must present a certificate it signed.
   */
  public record Tls(Path cert, Path key, Optional<Path> clientCa) {}

  /** As often as a manager may ping (it pings every 10 s); more often is answered with GOAWAY. */
  private static final long PERMITTED_PING_SECONDS = 5;

  private static final Context.Key<String> PEER = Context.key("peer");
  private static final Context.Key<String> CLIENT_CERTIFICATE = Context.key("client-certificate");

  private final Server server;
  private final Listener listener;
  private final String security;
  private final Set<ManagerSession> sessions = ConcurrentHashMap.newKeySet();

  private CmsServer(String host, int port, Optional<Tls> tls, Listener listener)
      throws IOException {
    this.listener = listener;
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
            .addService(ServerInterceptors.intercept(new ConnectService(), new PeerInterceptor()))
            // notice a manager that vanished without closing its connection
            .keepAliveTime(10, TimeUnit.SECONDS)
            .keepAliveTimeout(5, TimeUnit.SECONDS)
            .permitKeepAliveTime(PERMITTED_PING_SECONDS, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true);
    if (tls.isPresent()) {
      SslContextBuilder ssl =
          SslContextBuilder.forServer(tls.get().cert().toFile(), tls.get().key().toFile());
      if (tls.get().clientCa().isPresent()) {
        ssl.trustManager(tls.get().clientCa().get().toFile()).clientAuth(ClientAuth.REQUIRE);
      }
      builder.sslContext(GrpcSslContexts.configure(ssl).build());
      security = tls.get().clientCa().isPresent() ? "with mTLS" : "with TLS";
    } else {
      security = "without TLS";
    }
    server = builder.build().start();
  }

  /** Starts serving; port 0 picks a free port. */
  public static CmsServer start(String host, int port, Optional<Tls> tls, Listener listener)
      throws IOException {
    return new CmsServer(host, port, tls, listener);
  }

  public int port() {
    return server.getPort();
  }

  /** "with mTLS", "with TLS" or "without TLS". */
  public String securityDescription() {
    return security;
  }

  /** The connected managers whose stream is open, the most recently connected first. */
  public List<ManagerSession> sessions() {
    return sessions.stream()
        .filter(ManagerSession::isOpen)
        .sorted(Comparator.comparing(ManagerSession::connectedAt).reversed())
        .toList();
  }

  /** The most recently connected manager that has said hello. */
  public Optional<ManagerSession> latestSession() {
    return sessions().stream().filter(s -> s.hello() != null).findFirst();
  }

  /** Stops at once, as a crashed CMS would: every manager sees its stream break. */
  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  private final class ConnectService
      extends ComputationManagementServiceGrpc.ComputationManagementServiceImplBase {
    @Override
    public StreamObserver<ManagerMessage> connect(StreamObserver<CmsMessage> toManager) {
      ManagerSession session =
          new ManagerSession(toManager, PEER.get(), CLIENT_CERTIFICATE.get(), this::ended);
      sessions.add(session);
      listener.onConnected(session);
      return new StreamObserver<>() {
        @Override
        public void onNext(ManagerMessage message) {
          if (message.hasHello()) {
            session.helloReceived(message.getHello());
          }
          listener.onMessage(session, message);
        }

        @Override
        public void onError(Throwable t) {
          Status status = Status.fromThrowable(t);
          session.broken(
              status.getDescription() == null
                  ? status.getCode().toString()
                  : status.getCode() + ": " + status.getDescription());
        }

        @Override
        public void onCompleted() {
          session.endFromManager();
        }
      };
    }

    private void ended(ManagerSession session, String reason) {
      sessions.remove(session);
      listener.onDisconnected(session, reason);
    }
  }

  /** Puts the caller's address and certificate subject where the service can read them. */
  private static final class PeerInterceptor implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
      String peer =
          remote instanceof InetSocketAddress a
              ? a.getHostString() + ":" + a.getPort()
              : String.valueOf(remote);
      Context context =
          Context.current()
              .withValues(
                  PEER,
                  peer,
                  CLIENT_CERTIFICATE,
                  certificateSubject(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION)));
      return Contexts.interceptCall(context, call, headers, next);
    }

    private static String certificateSubject(SSLSession ssl) {
      if (ssl == null) {
        return "";
      }
      try {
        Certificate[] chain = ssl.getPeerCertificates();
        return chain.length > 0 && chain[0] instanceof X509Certificate x
            ? x.getSubjectX500Principal().getName()
            : "";
      } catch (SSLPeerUnverifiedException e) {
        return ""; // TLS without client certificates
      }
    }
  }
}
