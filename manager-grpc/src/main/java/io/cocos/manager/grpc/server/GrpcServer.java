package io.cocos.manager.grpc.server;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
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
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC server: the manager's service behind the deadline interceptor, plus health and
 * reflection, over plaintext, TLS or mTLS (netty-tcnative's BoringSSL).
 */
public final class GrpcServer implements AutoCloseable {
  private final Server server;
  private final HealthStatusManager health = new HealthStatusManager();
  private final ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "grpc-deadlines");
    t.setDaemon(true);
    return t;
  });

  /**
   * @param builder   where it serves: {@link #tcp} for MANAGER_GRPC_HOST:PORT, or an in-process
   *                  builder in tests that need no socket
   * @param observers interceptors that watch every call of the manager's service (metrics,
   *                  tracing); the last one listed sees the call first
   */
  public GrpcServer(ServerConfig config, ServerBuilder<?> builder, BindableService managerService,
      List<ServerInterceptor> observers) {
    List<ServerInterceptor> interceptors = new ArrayList<>();
    interceptors.add(new UnaryDeadlineInterceptor(config.grpcTimeout(), deadlines));
    interceptors.addAll(observers);
    this.server = builder
        .addService(ServerInterceptors.intercept(managerService, interceptors))
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        .addService(legacyReflection())
        .build();
    health.setStatus("", ServingStatus.NOT_SERVING);
  }

  /** The daemon's transport: Netty on MANAGER_GRPC_HOST:MANAGER_GRPC_PORT, TLS or mTLS when configured. */
  public static ServerBuilder<?> tcp(ServerConfig config) throws IOException {
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(config.grpcHost(), config.grpcPort()));
    if (config.serverCert().isPresent()) {
      builder.sslContext(sslContext(config));
    }
    return builder;
  }

  @SuppressWarnings("deprecation") // v1alpha: what grpcurl and older clients still ask for
  private static BindableService legacyReflection() {
    return ProtoReflectionService.newInstance();
  }

  static SslContext sslContext(ServerConfig config) throws IOException {
    SslContextBuilder tls = SslContextBuilder.forServer(config.serverCert().get().toFile(), config.serverKey().get().toFile());
    if (config.clientCaCerts().isPresent()) {
      tls.trustManager(config.clientCaCerts().get().toFile()).clientAuth(ClientAuth.REQUIRE);
    }
    return GrpcSslContexts.configure(tls, SslProvider.OPENSSL).build();
  }

  public void start() throws IOException {
    server.start();
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
    deadlines.shutdownNow();
  }
}
