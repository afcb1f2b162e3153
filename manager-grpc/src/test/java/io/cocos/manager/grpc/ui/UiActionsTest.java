package io.cocos.manager.grpc.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.cocos.manager.api.CreateReq;
import io.cocos.manager.api.ListVmsReq;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/** With MANAGER_HTTP_UI_ACTIONS=true: remove, only once confirmed in the page's dialog. */
class UiActionsTest {
  @TempDir static Path tmp;
  static UiManager manager;
  static UiBrowser browser;

  @BeforeAll
  static void start() throws Exception {
    manager = UiManager.start(tmp, UiManager.environment(tmp, true, 1));
    browser = new UiBrowser();
  }

  @AfterAll
  static void stop() throws Exception {
    UiBrowser.closeBoth(browser, manager);
  }

  WebElement removeButtonOf(String id) {
    return browser.await(
        5,
        d ->
            d.findElements(By.cssSelector("#cvms tbody tr")).stream()
                .filter(tr -> tr.findElement(By.cssSelector(".c-id")).getText().equals(id))
                .map(tr -> tr.findElement(By.cssSelector("button.remove")))
                .findFirst()
                .orElse(null));
  }

  int cvms() {
    return manager.client().listVms(ListVmsReq.getDefaultInstance()).getCvmsCount();
  }

  @Test
  void removeWorksOnlyAfterConfirmation() throws Exception {
    String id = manager.client().createVm(CreateReq.getDefaultInstance()).getCvmId();
    browser.open(manager.url(""));

    removeButtonOf(id).click();
    browser.await(2, d -> d.findElement(By.cssSelector("dialog.confirm[open]")));
    browser.screenshot("index-confirm-remove");
    browser.driver.findElement(By.cssSelector("dialog.confirm button.cancel")).click();
    browser.await(2, d -> browser.all("dialog").isEmpty());
    assertThat(cvms()).as("a dismissed confirmation removes nothing").isEqualTo(1);

    removeButtonOf(id).click();
    browser.await(2, d -> d.findElement(By.cssSelector("dialog.confirm[open]")));
    browser.driver.findElement(By.cssSelector("dialog.confirm button.confirm-remove")).click();
    browser.await(10, d -> browser.all("#cvms tbody tr").isEmpty());
    assertThat(cvms()).isZero();
    browser.assertNoConsoleErrors();
  }
}
