package io.cocos.manager.grpc;

import ch.qos.logback.classic.Level;
import io.cocos.manager.attestation.policy.AttestationConfig;
import io.cocos.manager.attestation.policy.CorimConfig;
import io.cocos.manager.core.config.Env;
import io.cocos.manager.core.config.LifecycleConfig;
import io.cocos.manager.grpc.cms.CmsLinkConfig;
import io.cocos.manager.grpc.server.ServerConfig;
import io.cocos.manager.qemu.HostTees;
import io.cocos.manager.qemu.QemuConfig;
import io.cocos.manager.qemu.VfioGpus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's configuration besides the server's, read from the environment and checked (a bad
 * value throws ConfigException naming the variable, before anything is touched); MANAGER_LOG_LEVEL
 * applied and what the configuration warns about logged.
 */
record DaemonConfiguration(
    LifecycleConfig lifecycleConfig,
    QemuConfig qemuConfig,
    AttestationConfig attestationConfig,
    CorimConfig corimConfig,
    CmsLinkConfig cmsLinkConfig) {
  /** The daemon's logger: these lines are the daemon's start-up report. */
  private static final Logger log = LoggerFactory.getLogger(ManagerDaemon.class);

  static DaemonConfiguration read(Env env, ServerConfig serverConfig) {
    LifecycleConfig lifecycleConfig = LifecycleConfig.fromEnv(env);
    QemuConfig qemuConfig = QemuConfig.fromEnv(env, HostTees.detect(), VfioGpus.host());
    AttestationConfig attestationConfig = AttestationConfig.fromEnv(env);
    CorimConfig corimConfig = CorimConfig.fromEnv(env);
    CmsLinkConfig cmsLinkConfig = CmsLinkConfig.fromEnv(env);
    setLogLevel(serverConfig.logLevel());
    qemuConfig.warnings().forEach(w -> log.warn("{}", w));
    corimConfig.warnings().forEach(w -> log.warn("{}", w));
    log.info("attestation policy format: {}", corimConfig.describe());
    qemuConfig
        .gpu()
        .ifPresent(gpu -> log.info("GPU passthrough: {} (one CVM at a time)", gpu.bdf()));
    return new DaemonConfiguration(
        lifecycleConfig, qemuConfig, attestationConfig, corimConfig, cmsLinkConfig);
  }

  private static void setLogLevel(String level) {
    var root = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(level, Level.INFO));
  }
}
