package io.cocos.manager.grpc;

import ch.qos.logback.classic.Level;
import io.cocos.manager.attestation.policy.AttestationConfig;
import io.cocos.manager.attestation.policy.ToolAttestationPolicies;
import io.cocos.manager.core.alloc.PortAllocator;
import io.cocos.manager.core.config.ConfigException;
import io.cocos.manager.core.config.Env;
import io.cocos.manager.core.config.LifecycleConfig;
import io.cocos.manager.core.cvm.LifecycleManager;
import io.cocos.manager.core.store.StateStore;
import io.cocos.manager.grpc.server.GrpcServer;
import io.cocos.manager.grpc.server.ManagerGrpcService;
import io.cocos.manager.grpc.server.ServerConfig;
import io.cocos.manager.grpc.service.LoggingManagerService;
import io.cocos.manager.qemu.HostTees;
import io.cocos.manager.qemu.QemuConfig;
import io.cocos.manager.qemu.QemuHypervisor;
import java.io.IOException;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager assembled from its parts: configuration read and checked first (a bad value stops
 * here, before anything is touched), then restore of the CVMs an earlier manager left, then the
 * gRPC server.
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

  private ManagerDaemon(ServerConfig serverConfig, LifecycleManager lifecycle, GrpcServer grpc) {
    this.serverConfig = serverConfig;
    this.lifecycle = lifecycle;
    this.grpc = grpc;
  }

  /** Reads the whole configuration; throws ConfigException naming the first bad variable. */
  public static ManagerDaemon start(Env env) throws StartupException {
    ServerConfig serverConfig = ServerConfig.fromEnv(env);
    LifecycleConfig lifecycleConfig = LifecycleConfig.fromEnv(env);
    QemuConfig qemuConfig = QemuConfig.fromEnv(env, HostTees.detect());
    AttestationConfig attestationConfig = AttestationConfig.fromEnv(env);
    setLogLevel(serverConfig.logLevel());
    qemuConfig.warnings().forEach(w -> log.warn("{}", w));

    StateStore store;
    try {
      store = new StateStore(lifecycleConfig.stateDir());
    } catch (IOException e) {
      throw new ConfigException("MANAGER_STATE_DIR", lifecycleConfig.stateDir().toString(),
          "a directory the manager can create and write (" + e.getMessage() + ")");
    }
    LifecycleManager lifecycle = new LifecycleManager(lifecycleConfig, new QemuHypervisor(qemuConfig),
        new ToolAttestationPolicies(attestationConfig), store, new PortAllocator(lifecycleConfig.hostPorts()),
        Clock.systemUTC());
    GrpcServer grpc = null;
    try {
      lifecycle.restore();
      grpc = new GrpcServer(serverConfig, new ManagerGrpcService(new LoggingManagerService(lifecycle)));
      grpc.start();
    } catch (IOException e) {
      lifecycle.close();
      throw new StartupException("cannot serve on " + serverConfig.grpcHost() + ":" + serverConfig.grpcPort()
          + " (MANAGER_GRPC_HOST, MANAGER_GRPC_PORT): " + rootMessage(e), e);
    }
    grpc.markServing();
    log.info("manager service gRPC server listening at {}:{} {}", serverConfig.grpcHost(), grpc.port(),
        serverConfig.securityDescription());
    log.info("manager instance {} manages {} with a TEE of kind {}", serverConfig.instanceId(),
        lifecycleConfig.stateDir(), qemuConfig.tee().wireName());
    return new ManagerDaemon(serverConfig, lifecycle, grpc);
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

  /** Stops serving; CVMs keep running for the next manager to adopt (their state is on disk). */
  @Override
  public void close() {
    try {
      grpc.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    lifecycle.close();
    log.info("manager stopped; {} CVM(s) left for the next manager to adopt", lifecycle.listVms().size());
  }

  private static void setLogLevel(String level) {
    var root = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(level, Level.INFO));
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }
}
