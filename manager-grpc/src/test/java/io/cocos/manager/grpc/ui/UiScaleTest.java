package io.cocos.manager.grpc.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.cocos.manager.api.CreateReq;
import io.cocos.manager.core.cvm.CvmRecord;
import io.cocos.manager.core.cvm.CvmState;
import io.cocos.manager.core.store.StateStore;
import io.cocos.manager.core.vm.TeeKind;
import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.Select;

/**
 * The table at 500 CVMs: 498 exited ones a previous manager left (records written to the state
 * directory before the start, so no process runs for them) and two running.
 */
class UiScaleTest {
  static final int EXITED = 498;
  @TempDir static Path tmp;
  static UiManager manager;
  static UiBrowser browser;
  static String firstExited;
  static String running;

  @BeforeAll
  static void start() throws Exception {
    var env = UiManager.environment(tmp, false, 1);
    StateStore store = new StateStore(tmp.resolve("state"));
    Instant t = Instant.now().minusSeconds(3600);
    for (int i = 0; i < EXITED; i++) {
      String id = UUID.randomUUID().toString();
      firstExited = i == 0 ? id : firstExited;
      Instant created = t.plusSeconds(i);
      store.save(
          new CvmRecord(
              id,
              CvmState.EXITED,
              TeeKind.NONE,
              0,
              0,
              0,
              null,
              created,
              null,
              i % 256,
              null,
              null,
              0));
    }
    manager = UiManager.start(tmp, env);
    manager.client().createVm(CreateReq.getDefaultInstance());
    running = manager.client().createVm(CreateReq.getDefaultInstance()).getCvmId();
    browser = new UiBrowser();
  }

  @AfterAll
  static void stop() throws Exception {
    UiBrowser.closeBoth(browser, manager);
  }

  int rows() {
    return browser.all("#cvms tbody tr").size();
  }

  @Test
  void theTablePagesAndFiltersFiveHundredCvms() throws Exception {
    long start = System.nanoTime();
    browser.open(manager.url(""));
    browser.await(5, d -> rows() == 50);
    System.out.printf(
        "UiScaleTest: 500 CVMs, first page of rows after %d ms%n",
        (System.nanoTime() - start) / 1_000_000);
    assertThat(browser.text("#counts")).isEqualTo("1–50 of 500 shown, 500 CVMs in all");
    assertThat(browser.text("#page")).isEqualTo("page 1 of 10");
    assertThat(browser.rowState(running)).as("newest first").isEqualTo("running");
    browser.screenshot("index-500");

    browser.driver.findElement(By.id("next")).click();
    browser.await(2, d -> browser.text("#page").equals("page 2 of 10"));
    assertThat(browser.text("#counts")).isEqualTo("51–100 of 500 shown, 500 CVMs in all");
    assertThat(rows()).isEqualTo(50);

    new Select(browser.driver.findElement(By.id("state-filter"))).selectByValue("running");
    browser.await(2, d -> rows() == 2);
    assertThat(browser.text("#counts")).isEqualTo("1–2 of 2 shown, 500 CVMs in all");
    assertThat(browser.text("#page")).isEqualTo("page 1 of 1");

    new Select(browser.driver.findElement(By.id("state-filter"))).selectByValue("");
    browser.driver.findElement(By.id("id-filter")).sendKeys(firstExited.substring(0, 13));
    browser.await(2, d -> rows() == 1);
    assertThat(browser.rowState(firstExited)).isEqualTo("exited");
    browser.assertNoConsoleErrors();
  }
}
