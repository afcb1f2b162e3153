package io.cocos.manager.grpc;

import io.cocos.manager.attestation.policy.AttestationConfig;
import io.cocos.manager.attestation.policy.CorimConfig;
import io.cocos.manager.attestation.policy.ToolAttestationPolicies;
import io.cocos.manager.core.alloc.PortAllocator;
import io.cocos.manager.core.concurrent.DaemonThreads;
import io.cocos.manager.core.config.Env;
import io.cocos.manager.core.config.LifecycleConfig;
import io.cocos.manager.core.cvm.LifecycleManager;
import io.cocos.manager.core.cvm.ManagerService;
import io.cocos.manager.core.store.StateDirLock;
import io.cocos.manager.core.store.StateStore;
import io.cocos.manager.grpc.cms.CmsLink;
import io.cocos.manager.grpc.cms.CmsLinkConfig;
import io.cocos.manager.grpc.cms.LinkState;
import io.cocos.manager.grpc.cms.ManagerDescription;
import io.cocos.manager.grpc.observability.BuildInfo;
import io.cocos.manager.grpc.observability.ConsoleMetrics;
import io.cocos.manager.grpc.observability.HostMetrics;
import io.cocos.manager.grpc.observability.HttpEndpoint;
import io.cocos.manager.grpc.observability.LifecycleMetrics;
import io.cocos.manager.grpc.observability.OtelStepTracer;
import io.cocos.manager.grpc.observability.RpcMetricsInterceptor;
import io.cocos.manager.grpc.observability.Telemetry;
import io.cocos.manager.grpc.server.GrpcServer;
import io.cocos.manager.grpc.server.ManagerGrpcService;
import io.cocos.manager.grpc.server.ServerConfig;
import io.cocos.manager.grpc.service.LoggingManagerService;
import io.cocos.manager.grpc.service.MetricsManagerService;
import io.cocos.manager.grpc.service.UpstreamApiMetricsService;
import io.cocos.manager.grpc.ui.UiServer;
import io.cocos.manager.qemu.QemuConfig;
import io.cocos.manager.qemu.QemuHypervisor;
import io.grpc.ServerBuilder;
import io.opentelemetry.instrumentation.grpc.v1_6.GrpcTelemetry;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager assembled from its parts: configuration read and checked first (a bad value stops
 * here, before anything is touched), then the state directory locked (a second manager on it stops
 * here, exit code 1, having changed nothing), then restore of the CVMs an earlier manager left,
 * then the gRPC server.
 */
public final class ManagerDaemon implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ManagerDaemon.class);

  /** Start-up failed for a reason other than configuration (port in use, unwritable state). */
  public static final class StartupException extends Exception {
    public StartupException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final ServerConfig serverConfig;
  private final LifecycleManager lifecycle;
  private final GrpcServer grpc;
  private final Observability observability;

  /** This manager's hold on MANAGER_STATE_DIR; released last. */
  private final StateDirLock stateLock;

  /** The link to the Computation Management service; set once start() has the API serving. */
  private CmsLink cmsLink;

  /**
   * What serves metrics, health and traces, and the threads of the streaming calls: closed last.
   */
  private record Observability(
      Telemetry telemetry, HttpEndpoint http, ScheduledExecutorService streams) {
    void close() {
      streams.shutdownNow();
      http.close();
      telemetry.close();
    }
  }

  private ManagerDaemon(
      ServerConfig serverConfig,
      LifecycleManager lifecycle,
      GrpcServer grpc,
      Observability observability,
      StateDirLock stateLock) {
    this.stateLock = stateLock;
    this.serverConfig = serverConfig;
    this.lifecycle = lifecycle;
    this.grpc = grpc;
    this.observability = observability;
  }

  /** Where the gRPC server serves, made from its configuration. */
  @FunctionalInterface
  public interface Transport {
    ServerBuilder<?> builder(ServerConfig config) throws IOException;
  }

  /** Reads the whole configuration; throws ConfigException naming the first bad variable. */
  public static ManagerDaemon start(Env env) throws StartupException {
    return start(env, GrpcServer::tcp);
  }

  /** As {@link #start(Env)}, serving the API on the given transport (in-process in tests). */
  public static ManagerDaemon start(Env env, Transport transport) throws StartupException {
    return start(env, transport, PendingTelemetry.begin(ServerConfig.fromEnv(env)));
  }

  /**
   * As {@link #start(Env, Transport)}, with the telemetry already being set up from the server's
   * configuration: Main begins it before this class (whose logger sets up logging) is loaded, so
   * the two set-ups run side by side. Every failure here closes it.
   */
  public static ManagerDaemon start(Env env, Transport transport, PendingTelemetry pendingTelemetry)
      throws StartupException {
    Deque<Runnable> undo = new ArrayDeque<>();
    undo.push(pendingTelemetry::discard);
    try {
      return start(env, transport, pendingTelemetry, undo);
    } catch (RuntimeException | Error | StartupException e) {
      // Whatever failed the start — a bad variable, a port in use, a restore that threw — nothing
      // it made outlives it: newest first, the lock on the state dir and telemetry last.
      while (!undo.isEmpty()) {
        try {
          undo.pop().run();
        } catch (RuntimeException cleanupFailure) {
          e.addSuppressed(cleanupFailure);
        }
      }
      throw e;
    }
  }

  /** Each thing made is pushed on {@code undo}, which the caller runs if the start fails. */
  private static ManagerDaemon start(
      Env env, Transport transport, PendingTelemetry pendingTelemetry, Deque<Runnable> undo)
      throws StartupException {
    ServerConfig serverConfig = pendingTelemetry.serverConfig();
    Groundwork ground = readConfigurationAndLockState(env, serverConfig);
    LifecycleConfig lifecycleConfig = ground.lifecycleConfig();
    QemuConfig qemuConfig = ground.qemuConfig();
    StateDirLock stateLock = ground.stateLock();
    undo.push(() -> StateDirectory.release(stateLock));
    Telemetry telemetry = pendingTelemetry.await();
    DaemonHealth health = new DaemonHealth(serverConfig.instanceId(), BuildInfo.current());
    // Up before restore, so liveness answers while a long restore runs; bound and started on its
    // own thread while this one builds the lifecycle and the gRPC server, which need nothing of it.
    StartupStep<HttpEndpoint> httpStart =
        StartupStep.begin(
            "http-setup",
            () ->
                HttpEndpoint.start(
                    serverConfig.httpHost(),
                    serverConfig.httpPort(),
                    serverConfig
                        .httpServerCert()
                        .map(
                            cert ->
                                new HttpEndpoint.Tls(
                                    cert,
                                    serverConfig.httpServerKey().orElseThrow(),
                                    serverConfig.httpClientCaCerts())),
                    serverConfig.httpRequestTimeout(),
                    telemetry,
                    health));
    undo.push(() -> httpStart.discard(HttpEndpoint::close));
    ScheduledExecutorService streams =
        Executors.newScheduledThreadPool(2, DaemonThreads.named("grpc-streams"));
    undo.push(streams::shutdownNow);
    QemuHypervisor hypervisor = new QemuHypervisor(qemuConfig);
    LifecycleManager lifecycle =
        LifecycleManager.onThisHost(
            lifecycleConfig,
            hypervisor,
            new ToolAttestationPolicies(ground.attestationConfig(), ground.corimConfig()),
            ground.store(),
            new PortAllocator(lifecycleConfig.hostPorts()),
            Clock.systemUTC(),
            new OtelStepTracer(telemetry.tracer("io.cocos.manager.core")));
    undo.push(lifecycle::close);
    LifecycleMetrics.register(telemetry.meter(), lifecycle, qemuConfig.launch().binPath());
    HostMetrics.register(telemetry.meter(), lifecycle);
    ConsoleMetrics.register(telemetry.meter(), lifecycle);
    ManagerService service =
        new UpstreamApiMetricsService(
            new MetricsManagerService(new LoggingManagerService(lifecycle), telemetry.meter()),
            telemetry.upstreamApi());
    GrpcServer grpc;
    try {
      // built (TLS context included) before restore, so nothing is adopted by a manager that cannot
      // serve
      grpc =
          new GrpcServer(
              serverConfig,
              transport.builder(serverConfig),
              new ManagerGrpcService(service, lifecycle, streams),
              List.of(
                  new RpcMetricsInterceptor(telemetry.meter()),
                  GrpcTelemetry.create(telemetry.openTelemetry()).createServerInterceptor()));
    } catch (IOException e) {
      throw new StartupException(
          "cannot set up TLS for the gRPC server (MANAGER_GRPC_SERVER_CERT, "
              + "MANAGER_GRPC_SERVER_KEY): "
              + rootMessage(e),
          e);
    }
    undo.push(() -> closeQuietly(grpc));
    HttpEndpoint http;
    try {
      http = httpStart.await(IOException.class);
    } catch (IOException e) {
      throw cannotServe(
          serverConfig.httpHost(),
          serverConfig.httpPort(),
          "MANAGER_HTTP_HOST, MANAGER_HTTP_PORT",
          e);
    }
    if (serverConfig.httpUi()) {
      // before restore, so the console's event history has the adopted CVMs' events
      http.mountUi(
          UiServer.start(
              serverConfig, lifecycle, service, telemetry, BuildInfo.current().version()));
    }
    try {
      lifecycle.restore();
      grpc.start();
    } catch (IOException e) {
      throw cannotServe(
          serverConfig.grpcHost(),
          serverConfig.grpcPort(),
          "MANAGER_GRPC_HOST, MANAGER_GRPC_PORT",
          e);
    }
    grpc.markServing();
    health.serving();
    log.info(
        "manager service gRPC server listening at {}:{} {}",
        serverConfig.grpcHost(),
        grpc.port(),
        serverConfig.securityDescription());
    log.info(
        "manager instance {} manages {} with a TEE of kind {}",
        serverConfig.instanceId(),
        lifecycleConfig.stateDir(),
        qemuConfig.tee().wireName());
    log.info(
        "metrics and health at {}://{}:{}/metrics and /health{}",
        serverConfig.httpScheme(),
        serverConfig.httpHost(),
        http.port(),
        serverConfig.httpUi()
            ? serverConfig.httpUiActions()
                ? ", web console at /ui/ (actions on)"
                : ", web console at /ui/ (read-only)"
            : "");
    ManagerDaemon daemon =
        new ManagerDaemon(
            serverConfig, lifecycle, grpc, new Observability(telemetry, http, streams), stateLock);
    // Last, once the API serves: the link runs the CMS's requests through the same service.
    daemon.cmsLink =
        CmsLink.start(
            ground.cmsLinkConfig(),
            ManagerDescription.of(
                serverConfig.instanceId(),
                qemuConfig.tee(),
                hypervisor.guest(),
                lifecycleConfig.eosVersion()),
            lifecycle,
            grpc::localChannel);
    health.linkStarted(daemon.cmsLink);
    return daemon;
  }

  /**
   * What start-up reads and holds before it builds its services: the configuration, checked, and
   * the state dir, locked.
   */
  private record Groundwork(
      LifecycleConfig lifecycleConfig,
      QemuConfig qemuConfig,
      AttestationConfig attestationConfig,
      CorimConfig corimConfig,
      CmsLinkConfig cmsLinkConfig,
      StateDirLock stateLock,
      StateStore store) {}

  private static Groundwork readConfigurationAndLockState(Env env, ServerConfig serverConfig)
      throws StartupException {
    DaemonConfiguration config = DaemonConfiguration.read(env, serverConfig);
    LifecycleConfig lifecycleConfig = config.lifecycleConfig();
    QemuConfig.requireQmpSocketsFit(lifecycleConfig.stateDir());

    // Before anything else reads or writes the state dir: a second manager on it stops here,
    // having changed nothing.
    StateDirectory state = StateDirectory.lock(lifecycleConfig.stateDir());
    return new Groundwork(
        lifecycleConfig,
        config.qemuConfig(),
        config.attestationConfig(),
        config.corimConfig(),
        config.cmsLinkConfig(),
        state.lock(),
        state.store());
  }

  public int grpcPort() {
    return grpc.port();
  }

  public LifecycleManager lifecycle() {
    return lifecycle;
  }

  public ServerConfig serverConfig() {
    return serverConfig;
  }

  public int httpPort() {
    return observability.http().port();
  }

  /** The web console mounted on the HTTP endpoint, or null when MANAGER_HTTP_UI is off. */
  public HttpEndpoint.Ui httpUi() {
    return observability.http().ui();
  }

  /**
   * Where the link to the Computation Management service stands (STANDALONE without
   * MANAGER_CMS_URL).
   */
  public LinkState cmsLinkState() {
    return cmsLink.linkState();
  }

  /** Stops serving; CVMs keep running for the next manager to adopt (their state is on disk). */
  @Override
  public void close() {
    cmsLink.close();
    try {
      grpc.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    lifecycle.close();
    observability.close();
    log.info(
        "manager stopped; {} CVM(s) left for the next manager to adopt",
        lifecycle.listVms().size());
    StateDirectory.release(stateLock);
  }

  /** A gRPC server built but not started, on a failed start. */
  private static void closeQuietly(GrpcServer grpc) {
    try {
      grpc.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static StartupException cannotServe(
      String host, int port, String variables, IOException e) {
    return new StartupException(
        "cannot serve on " + host + ":" + port + " (" + variables + "): " + rootMessage(e), e);
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }
}
