package io.cocos.manager.grpc.server;

import io.cocos.manager.core.concurrent.DaemonThreads;
import io.grpc.BindableService;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gRPC server: the manager's service behind strict request parsing and the deadline
 * interceptor, plus health and reflection, over plaintext, TLS or mTLS (netty-tcnative's
 * BoringSSL). The same service, with the same interceptors, is also served in-process for the CMS
 * link ({@link #localChannel()}), so the CMS's requests get the API's deadlines, metrics and
 * tracing.
 *
 * <p>What one client can hold ({@link #tcp}): a connection must finish its TLS handshake and HTTP/2
 * preface within {@link #HANDSHAKE_TIMEOUT} (or MANAGER_GRPC_MAX_CONNECTION_IDLE, if shorter), and
 * is closed once it has been without calls for MANAGER_GRPC_MAX_CONNECTION_IDLE; at most {@link
 * #MAX_CALLS_PER_CONNECTION} calls run at once on one connection; a request message is at most
 * {@link #MAX_MESSAGE_BYTES} and its metadata at most {@link #MAX_METADATA_BYTES}. There is
 * deliberately no maximum connection age: a log or event follower keeps its call, and so its
 * connection, as long as it wants.
 */
public final class GrpcServer implements AutoCloseable {
  /** Every field at its limit (three 64 KiB PEM fields and the strings) fits with room to spare. */
  public static final int MAX_MESSAGE_BYTES = 1 << 20;

  public static final int MAX_METADATA_BYTES = 16 * 1024;
  public static final int MAX_CALLS_PER_CONNECTION = 100;
  static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  /**
   * In-process servers are named JVM-wide: a count keeps each one's name apart (tests start several
   * managers in one JVM).
   */
  private static final AtomicLong LOCAL_NAMES = new AtomicLong();

  private final Server server;
  private final Server local;
  private final String localName;

  /**
   * Made, and {@link #local} started, on first use: when the CMS link connects (only the link uses
   * them), so never by a standalone manager. gRPC's client side and its shared timer cost ≈ 15 ms,
   * and the timer a thread, that serving the API does not need. Guarded by this object's monitor.
   */
  private ManagedChannel localChannel;

  private final HealthStatusManager health = new HealthStatusManager();
  private final ScheduledExecutorService deadlines =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("grpc-deadlines"));

  /**
   * @param builder where it serves: {@link #tcp} for MANAGER_GRPC_HOST:PORT, or an in-process
   *     builder in tests that need no socket
   * @param observers interceptors that watch every call of the manager's service (metrics,
   *     tracing); the last one listed sees the call first
   */
  public GrpcServer(
      ServerConfig config,
      ServerBuilder<?> builder,
      BindableService managerService,
      List<ServerInterceptor> observers) {
    List<ServerInterceptor> interceptors = new ArrayList<>();
    interceptors.add(new UnaryDeadlineInterceptor(config.grpcTimeout(), deadlines));
    interceptors.addAll(observers);
    ServerServiceDefinition api =
        ServerInterceptors.intercept(
            RequestParsing.strict(managerService.bindService()), interceptors);
    this.server =
        builder
            .maxInboundMessageSize(MAX_MESSAGE_BYTES)
            .addService(api)
            .addService(health.getHealthService())
            .addService(ProtoReflectionServiceV1.newInstance())
            .addService(legacyReflection())
            .build();
    this.localName = "manager-api-" + LOCAL_NAMES.incrementAndGet();
    this.local =
        InProcessServerBuilder.forName(localName)
            .addService(api)
            .maxInboundMessageSize(MAX_MESSAGE_BYTES)
            .build();
    health.setStatus("", ServingStatus.NOT_SERVING);
  }

  /**
   * The daemon's transport: Netty on MANAGER_GRPC_HOST:MANAGER_GRPC_PORT, TLS or mTLS when
   * configured.
   */
  public static ServerBuilder<?> tcp(ServerConfig config) throws IOException {
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(config.grpcHost(), config.grpcPort()))
            .maxConnectionIdle(config.grpcMaxConnectionIdle().toMillis(), TimeUnit.MILLISECONDS)
            .handshakeTimeout(handshakeTimeout(config).toMillis(), TimeUnit.MILLISECONDS)
            .maxConcurrentCallsPerConnection(MAX_CALLS_PER_CONNECTION)
            .maxInboundMetadataSize(MAX_METADATA_BYTES);
    if (config.serverCert().isPresent()) {
      builder.sslContext(sslContext(config));
    }
    return builder;
  }

  private static Duration handshakeTimeout(ServerConfig config) {
    return config.grpcMaxConnectionIdle().compareTo(HANDSHAKE_TIMEOUT) < 0
        ? config.grpcMaxConnectionIdle()
        : HANDSHAKE_TIMEOUT;
  }

  @SuppressWarnings("deprecation") // v1alpha: what grpcurl and older clients still ask for
  private static BindableService legacyReflection() {
    return ProtoReflectionService.newInstance();
  }

  static SslContext sslContext(ServerConfig config) throws IOException {
    SslContextBuilder tls =
        SslContextBuilder.forServer(
            config.serverCert().get().toFile(), config.serverKey().get().toFile());
    if (config.clientCaCerts().isPresent()) {
      tls.trustManager(config.clientCaCerts().get().toFile()).clientAuth(ClientAuth.REQUIRE);
    }
    return GrpcSslContexts.configure(tls, SslProvider.OPENSSL).build();
  }

  public void start() throws IOException {
    server.start();
  }

  /** The manager's API in-process, through the same interceptors as over the network. */
  public synchronized Channel localChannel() {
    if (localChannel == null) {
      try {
        local.start();
      } catch (IOException e) {
        // Only a name taken twice in this JVM would do it; the names are counted apart.
        throw new UncheckedIOException("cannot start the in-process server " + localName, e);
      }
      localChannel =
          InProcessChannelBuilder.forName(localName)
              .maxInboundMessageSize(Integer.MAX_VALUE)
              .build();
    }
    return localChannel;
  }

  /** Marks the manager ready in the standard health service (after restore has finished). */
  public void markServing() {
    health.setStatus("", ServingStatus.SERVING);
    health.setStatus("manager.ManagerService", ServingStatus.SERVING);
  }

  /** The bound TCP port (useful with MANAGER_GRPC_PORT=0), or -1 in-process. */
  public int port() {
    return server.getPort();
  }

  @Override
  public void close() throws InterruptedException {
    health.enterTerminalState();
    server.shutdown();
    if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
      server.shutdownNow();
    }
    synchronized (this) {
      if (localChannel != null) {
        localChannel.shutdownNow();
      }
    }
    local.shutdownNow();
    deadlines.shutdownNow();
  }
}
