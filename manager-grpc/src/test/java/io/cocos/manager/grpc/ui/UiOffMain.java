package io.cocos.manager.grpc.ui;

import io.cocos.manager.core.config.Env;
import io.cocos.manager.core.testing.ManagerEnvironments;
import io.cocos.manager.grpc.ManagerDaemon;
import java.nio.file.Path;

/**
 * Starts and stops a manager with the web console off, in a JVM of its own: {@link
 * UiOffClassLoadingTest} reads which classes it loaded.
 */
public final class UiOffMain {
  private UiOffMain() {}

  public static void main(String[] args) throws Exception {
    ManagerDaemon daemon =
        ManagerDaemon.start(new Env(ManagerEnvironments.fakeQemuEnv(Path.of(args[0]))));
    System.out.println("UI-OFF-STARTED ui=" + daemon.httpUi());
    daemon.close();
  }
}
