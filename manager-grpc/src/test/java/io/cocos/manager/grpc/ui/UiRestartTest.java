package io.cocos.manager.grpc.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.cocos.manager.api.CreateReq;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The live feed across a manager restart, on the same state directory and HTTP port. */
class UiRestartTest {
  @TempDir Path tmp;
  UiBrowser browser;
  UiManager manager;
  Map<String, String> env;

  @AfterEach
  void stop() throws Exception {
    try (UiBrowser b = browser) {
      // stopped mid-test: a manager adopts the CVMs left running, so that close() removes them
      try (UiManager m = manager != null ? manager : UiManager.start(tmp, env)) {
        // closed
      }
    }
  }

  @Test
  void theFeedSurvivesARestartAndShowsTheAdoptedCvms() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    env = UiManager.environment(tmp, false, 1);
    env.put("MANAGER_HTTP_PORT", String.valueOf(port));
    manager = UiManager.start(tmp, env);
    String id = manager.client().createVm(CreateReq.getDefaultInstance()).getCvmId();
    browser = new UiBrowser();
    browser.open(manager.url(""));
    browser.await(5, d -> browser.rowState(id) != null);

    manager.stop();
    manager = null;
    browser.await(10, d -> browser.all("#feed.lost").size() == 1);
    assertThat(browser.all("#cvms.stale")).hasSize(1);
    browser.screenshot("index-feed-lost");
    // the CVMs kept running; the new manager adopts them, and the page, not reloaded, shows them
    browser.js("window.__sameDocument = true");
    manager = UiManager.start(tmp, env);
    browser.await(15, d -> browser.all("#feed.back").size() == 1);
    // the table is marked stale from the loss until the new manager's snapshot replaced it
    browser.await(5, d -> browser.all("#cvms.stale").isEmpty());
    browser.await(5, d -> "running".equals(browser.rowState(id)));
    assertThat(manager.daemon.lifecycle().listVms()).as("adopted").hasSize(1);
    assertThat(browser.js("return window.__sameDocument")).isEqualTo(true);
  }
}
