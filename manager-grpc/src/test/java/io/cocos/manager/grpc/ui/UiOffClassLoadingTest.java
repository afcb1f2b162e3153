package io.cocos.manager.grpc.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With MANAGER_HTTP_UI off, start-up loads no class of the web console (its start-up time is
 * measured): a manager started in a JVM of its own, with -verbose:class.
 */
class UiOffClassLoadingTest {
  @TempDir Path tmp;

  @Test
  void noConsoleClassIsLoadedWhenItIsOff() throws Exception {
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-verbose:class",
                "-cp",
                System.getProperty("java.class.path"),
                UiOffMain.class.getName(),
                tmp.toString())
            .redirectErrorStream(true)
            .start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String text = new String(out, StandardCharsets.UTF_8);
    assertThat(text).contains("UI-OFF-STARTED ui=null");
    List<String> console =
        text.lines()
            .filter(l -> l.contains("io.cocos.manager.grpc.ui."))
            .filter(l -> !l.contains("UiOffMain"))
            .toList();
    assertThat(console).isEmpty();
    assertThat(text).contains("io.cocos.manager.grpc.ManagerDaemon");
  }
}
