package io.cocos.manager.grpc.observability;

import io.cocos.manager.grpc.server.ServerConfig;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * The manager's {@link Telemetry} being set up on a thread of its own. It needs only the server's
 * configuration, and its set-up (the OpenTelemetry SDK and exporters, about 50 ms) overlaps the
 * caller's set-up of logging and the rest of the configuration on a second core. Begun before
 * anything logs: nothing on its path holds an SLF4J logger taken during logging's initialisation.
 */
public final class PendingTelemetry {
  private final ServerConfig serverConfig;
  private final FutureTask<Telemetry> setup;

  private PendingTelemetry(ServerConfig serverConfig) {
    this.serverConfig = serverConfig;
    this.setup = new FutureTask<>(() -> Telemetry.create(serverConfig.instanceId(), serverConfig.jaegerUrl(),
        serverConfig.traceRatio()));
  }

  /** Starts the set-up; the thread ends with it. */
  public static PendingTelemetry begin(ServerConfig serverConfig) {
    PendingTelemetry pending = new PendingTelemetry(serverConfig);
    Thread thread = new Thread(pending.setup, "telemetry-setup");
    thread.setDaemon(true);
    thread.start();
    return pending;
  }

  public ServerConfig serverConfig() {
    return serverConfig;
  }

  /** The telemetry, once set up; what its set-up threw, unchanged. */
  public Telemetry await() {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return setup.get();
        } catch (InterruptedException e) {
          // Start-up has nothing to cancel it; the interrupt is kept for the caller.
          interrupted = true;
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof RuntimeException runtime) {
            throw runtime;
          }
          if (cause instanceof Error error) {
            throw error;
          }
          throw new IllegalStateException(cause);
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** For a start that failed before taking the telemetry: waits for it and closes it (its threads with it). */
  public void discard() {
    try {
      await().close();
    } catch (RuntimeException e) {
      // its set-up failed: nothing was made to close, and the start's own failure is the one to report
    }
  }
}
