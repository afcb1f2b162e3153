package io.cocos.manager.grpc;

import io.cocos.manager.core.config.ConfigException;
import io.cocos.manager.core.config.Env;
import io.cocos.manager.grpc.server.GrpcServer;
import io.cocos.manager.grpc.server.ServerConfig;
import java.util.concurrent.CountDownLatch;

/** cocos-manager: configured by environment variables only, as upstream. */
public final class Main {
  /** Exit code for a configuration the manager refuses. */
  static final int EXIT_BAD_CONFIGURATION = 2;

  /** Exit code for any other start-up failure (port in use, state directory unusable). */
  static final int EXIT_CANNOT_START = 1;

  private Main() {}

  public static void main(String[] args) throws InterruptedException {
    ManagerDaemon daemon;
    try {
      Env env = Env.system();
      // Begun before ManagerDaemon is loaded (its logger sets up logging): the two set-ups overlap.
      PendingTelemetry telemetry = PendingTelemetry.begin(ServerConfig.fromEnv(env));
      daemon = ManagerDaemon.start(env, GrpcServer::tcp, telemetry);
    } catch (ConfigException e) {
      System.err.println("cocos-manager: configuration error: " + e.getMessage());
      System.exit(EXIT_BAD_CONFIGURATION);
      return;
    } catch (ManagerDaemon.StartupException e) {
      System.err.println("cocos-manager: " + e.getMessage());
      System.exit(EXIT_CANNOT_START);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  daemon.close();
                  stopped.countDown();
                },
                "shutdown"));
    stopped.await();
  }
}
