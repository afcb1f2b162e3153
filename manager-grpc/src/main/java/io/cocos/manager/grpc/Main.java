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

  /**
   * A system property the launcher sets for the run that records the start-up archive
   * (scripts/train-cds.sh, COCOS_MANAGER_TRAIN): the manager stops as soon as it serves, so that
   * the archive holds the start-up's classes and no others (JDK 25 loads every class of its AOT
   * cache before main, whether the run needs it or not). A property, not a variable of the
   * environment file, so that no configuration turns a daemon into one that stops once started.
   */
  static final String TRAINING_RUN = "cocos.manager.trainingRun";

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
    if (Boolean.getBoolean(TRAINING_RUN)) {
      System.err.println(
          "cocos-manager: training run: stopping once serving (" + TRAINING_RUN + ")");
      // halt, not exit: the shutdown's classes stay out of the archive; the state dir is a
      // throw-away one and the JVM writes the archive on its way out.
      Runtime.getRuntime().halt(0);
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
