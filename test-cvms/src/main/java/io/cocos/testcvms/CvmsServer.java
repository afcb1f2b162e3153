package io.cocos.testcvms;

import io.cocos.agent.cvms.ClientStreamMessage;
import io.cocos.agent.cvms.ComputationRunReq;
import io.cocos.agent.cvms.ServerStreamMessage;
import io.cocos.agent.cvms.ServiceGrpc;
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
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Serves cvms.Service/Process: to every agent that calls it, sends the manifest (as runReqChunks),
 * then logs everything the agent sends until it leaves. One agent's bad input ends that agent's
 * stream only: messages are capped at {@link #MAX_MESSAGE_BYTES}, and each stream is read one
 * message at a time (gRPC's flow control holds back an agent that sends faster than we log).
 */
public final class CvmsServer implements AutoCloseable {
  /** Agent messages are logs, events and attestation reports: kilobytes. */
  public static final int MAX_MESSAGE_BYTES = 4 << 20;

  static final int MAX_STREAMS_PER_CONNECTION = 8;

  private static final Context.Key<String> PEER = Context.key("peer");

  /**
   * The server's identity (SERVER_CERT, SERVER_KEY); SERVER_CA_CERTS is sent after the certificate
   * as its chain; with CLIENT_CA_CERTS agents must present a certificate it signed (mTLS).
   */
  public record Tls(Path cert, Path key, Optional<Path> serverCa, Optional<Path> clientCa) {}

  private final Server server;
  private final Settings settings;
  private final JsonLog log;
  private final String security;

  private CvmsServer(InetSocketAddress address, Optional<Tls> tls, Settings settings, JsonLog log)
      throws IOException {
    this.settings = settings;
    this.log = log;
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(address)
            .addService(ServerInterceptors.intercept(new ProcessService(), new PeerInterceptor()))
            .maxInboundMessageSize(MAX_MESSAGE_BYTES)
            .maxInboundMetadataSize(16 << 10)
            // an agent has one Process stream; a client opening many is not one
            .maxConcurrentCallsPerConnection(MAX_STREAMS_PER_CONNECTION)
            .permitKeepAliveTime(5, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true);
    if (tls.isPresent()) {
      Tls t = tls.get();
      ByteArrayOutputStream chain = new ByteArrayOutputStream();
      chain.write(Files.readAllBytes(t.cert()));
      if (t.serverCa().isPresent()) {
        chain.write('\n');
        chain.write(Files.readAllBytes(t.serverCa().get()));
      }
      SslContextBuilder ssl =
          SslContextBuilder.forServer(
              new ByteArrayInputStream(chain.toByteArray()), Files.newInputStream(t.key()));
      if (t.clientCa().isPresent()) {
        ssl.trustManager(t.clientCa().get().toFile()).clientAuth(ClientAuth.REQUIRE);
      }
      builder.sslContext(GrpcSslContexts.configure(ssl).build());
      security = t.clientCa().isPresent() ? "with mTLS" : "with TLS";
    } else {
      security = "without TLS";
    }
    server = builder.build().start();
  }

  static CvmsServer start(
      InetSocketAddress address, Optional<Tls> tls, Settings settings, JsonLog log)
      throws IOException {
    return new CvmsServer(address, tls, settings, log);
  }

  public int port() {
    return server.getPort();
  }

  public String security() {
    return security;
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private final class ProcessService extends ServiceGrpc.ServiceImplBase {
    @Override
    public StreamObserver<ClientStreamMessage> process(
        StreamObserver<ServerStreamMessage> toAgent) {
      String peer = PEER.get();
      log.info("client connected to cvms server", "address", peer);
      sendManifest(peer, toAgent);
      return new StreamObserver<>() {
        @Override
        public void onNext(ClientStreamMessage message) {
          log.message("received", peer, message);
        }

        @Override
        public void onError(Throwable t) {
          Status status = Status.fromThrowable(t);
          log.info(
              "connection closed",
              "address",
              peer,
              "error",
              status.getCode()
                  + (status.getDescription() == null ? "" : ": " + status.getDescription()));
        }

        @Override
        public void onCompleted() {
          log.info("connection closed", "address", peer);
          toAgent.onCompleted();
        }
      };
    }

    /** As upstream's svc.Run: a manifest that cannot be built is logged and not sent. */
    private void sendManifest(String peer, StreamObserver<ServerStreamMessage> toAgent) {
      ComputationRunReq req;
      try {
        req = Manifest.build(settings, log::info);
      } catch (Manifest.ManifestException e) {
        log.error(e.getMessage(), "address", peer);
        return;
      }
      for (ServerStreamMessage chunk : Manifest.chunks(req)) {
        toAgent.onNext(chunk);
      }
      log.info("computation run request sent successfully", "address", peer);
    }
  }

  /** Puts the caller's address where the service can read it. */
  private static final class PeerInterceptor implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
      String peer =
          remote instanceof InetSocketAddress a
              ? a.getHostString() + ":" + a.getPort()
              : String.valueOf(remote);
      return Contexts.interceptCall(Context.current().withValue(PEER, peer), call, headers, next);
    }
  }
}
