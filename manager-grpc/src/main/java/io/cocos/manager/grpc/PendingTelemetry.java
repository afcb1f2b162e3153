package io.cocos.manager.grpc;

import io.cocos.manager.grpc.observability.Telemetry;
import io.cocos.manager.grpc.server.ServerConfig;

/**
 * The manager's {@link Telemetry} being set up on a thread of its own. It needs only the server's
 * configuration, and its set-up (the OpenTelemetry SDK and exporters, about 50 ms) overlaps the
 * caller's set-up of logging and the rest of the configuration on a second core. Begun before
 * anything logs: nothing on its path holds an SLF4J logger taken during logging's initialisation.
 */
public final class PendingTelemetry {
  private final ServerConfig serverConfig;
  private final StartupStep<Telemetry> setup;

  private PendingTelemetry(ServerConfig serverConfig) {
    this.serverConfig = serverConfig;
    this.setup =
        StartupStep.begin(
            "telemetry-setup",
            () ->
                Telemetry.create(
                    serverConfig.instanceId(),
                    serverConfig.jaegerUrl(),
                    serverConfig.traceRatio()));
  }

  /** Starts the set-up. */
  public static PendingTelemetry begin(ServerConfig serverConfig) {
    return new PendingTelemetry(serverConfig);
  }

  public ServerConfig serverConfig() {
    return serverConfig;
  }

  /** The telemetry, once set up; what its set-up threw, unchanged. */
  Telemetry await() {
    return setup.await(RuntimeException.class);
  }

  /**
   * For a start that failed before taking the telemetry: waits for it and closes it (its threads
   * with it).
   */
  void discard() {
    setup.discard(Telemetry::close);
  }
}
