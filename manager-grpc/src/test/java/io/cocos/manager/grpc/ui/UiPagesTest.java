package io.cocos.manager.grpc.ui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.cocos.manager.api.CreateReq;
import io.cocos.manager.api.ListVmsReq;
import io.cocos.manager.api.RemoveReq;
import io.grpc.StatusRuntimeException;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;

/**
 * The pages in Chromium against a manager with actions off, whose guests print hostile text: what
 * they show, live, and that nothing a guest prints runs or reaches the network.
 */
class UiPagesTest {
  @TempDir static Path tmp;
  static final AtomicInteger leaks = new AtomicInteger();
  static HttpServer leak;
  static UiManager manager;
  static UiBrowser browser;

  @BeforeAll
  static void start() throws Exception {
    // Where a rendered <img> or <iframe> of the guest's would go: it must never be asked.
    leak = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    leak.createContext(
        "/",
        exchange -> {
          leaks.incrementAndGet();
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    leak.start();
    manager = UiManager.start(tmp, UiManager.environment(tmp, false, leak.getAddress().getPort()));
    browser = new UiBrowser();
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      leak.stop(0);
    } finally {
      UiBrowser.closeBoth(browser, manager);
    }
  }

  @AfterEach
  void removeCvms() throws Exception {
    for (var r : manager.daemon.lifecycle().listVms()) {
      manager.daemon.lifecycle().removeVm(r.id());
    }
  }

  static String create() {
    return manager.client().createVm(CreateReq.getDefaultInstance()).getCvmId();
  }

  static String cvmPage(String id) {
    return manager.url("cvm.html?id=" + URLEncoder.encode(id, StandardCharsets.UTF_8));
  }

  @SuppressWarnings("unchecked")
  static List<String> consoleLines() {
    return (List<String>)
        browser.js(
            "return [...document.querySelectorAll('#console .line')].map(e => e.textContent)");
  }

  @Test
  void noPageLogsAnError() throws Exception {
    String id = create();
    browser.console(); // only this test's entries
    browser.open(manager.url(""));
    browser.await(5, d -> "running".equals(browser.rowState(id)));
    browser.screenshot("index");
    browser.open(cvmPage(id));
    browser.await(5, d -> consoleLines().stream().anyMatch(l -> l.contains("console line")));
    browser.await(5, d -> !browser.all("#details dd").isEmpty());
    browser.screenshot("cvm");
    browser.open(manager.url("host.html"));
    browser.await(5, d -> browser.text("#running").endsWith("/ 600"));
    browser.screenshot("host");
    browser.assertNoConsoleErrors();
  }

  @Test
  void aCreatedCvmAppearsWithinASecondAndItsStateChangesLive() throws Exception {
    browser.open(manager.url(""));
    browser.await(5, d -> browser.text("#feed").equals("Live"));
    String id = create();
    browser.await(1, d -> browser.rowState(id) != null);
    browser.await(5, d -> "running".equals(browser.rowState(id)));

    manager.client().removeVm(RemoveReq.newBuilder().setCvmId(id).build());
    browser.await(5, d -> browser.rowState(id) == null);

    manager.exitNext();
    String exiting = create();
    browser.await(1, d -> browser.rowState(exiting) != null);
    browser.await(10, d -> "exited".equals(browser.rowState(exiting)));
    assertThat(
            browser.js(
                "return [...document.querySelectorAll('#cvms tbody tr')]"
                    + ".find(tr => tr.querySelector('.c-id').textContent === arguments[0])"
                    + ".querySelector('.c-exit').textContent",
                exiting))
        .isEqualTo("7");
  }

  @Test
  void theConsoleShowsLinesAsTheyCome() {
    String id = create();
    browser.open(cvmPage(id));
    Pattern numbered = Pattern.compile("fake-qemu: console line (\\d+)");
    int first =
        browser.await(
            10,
            d ->
                consoleLines().stream()
                    .map(numbered::matcher)
                    .filter(Matcher::matches)
                    .map(m -> Integer.valueOf(m.group(1)))
                    .reduce(Integer::max)
                    .orElse(null));
    // the fake guest prints one a second: the next two come while the page is open
    browser.await(10, d -> consoleLines().contains("fake-qemu: console line " + (first + 2)));
  }

  @Test
  void aLongConsolePagesBackAndKeepsAtMost5000Lines() throws Exception {
    manager.bulkNext();
    String id = create();
    browser.open(cvmPage(id));
    browser.await(10, d -> consoleLines().stream().anyMatch(l -> l.startsWith("fake-qemu")));
    int tail = consoleLines().size();
    assertThat(tail).as("the tail, not the whole console").isLessThan(2500);
    // page back to the console's start: 6000 lines and more, of which the page keeps 5000
    while (browser.all("#older:not([hidden])").size() == 1) {
      int before = consoleLines().size();
      browser.driver.findElement(By.id("older")).click();
      browser.await(5, d -> consoleLines().size() != before);
    }
    List<String> lines = consoleLines();
    // whole pages (64 KiB, some 1600 lines here) are dropped from the newest end
    assertThat(lines).hasSizeLessThanOrEqualTo(5000).hasSizeGreaterThan(3000);
    assertThat(browser.text("#console-note")).contains("Newest lines dropped");
    assertThat(browser.all("#resume:not([hidden])")).hasSize(1);
    // offsets join the pages exactly: bulk lines numbered 1, 2, 3... with no gap or repeat
    List<String> bulk = lines.stream().filter(l -> l.startsWith("bulk ")).toList();
    assertThat(bulk).hasSizeGreaterThan(3000);
    for (int i = 0; i < bulk.size(); i++) {
      assertThat(bulk.get(i)).startsWith(String.format("bulk %04d ", i + 1));
    }
    browser.driver.findElement(By.id("resume")).click();
    browser.await(5, d -> browser.all("#resume[hidden]").size() == 1);
    browser.await(5, d -> consoleLines().size() < 2500);
  }

  @Test
  void whatAGuestPrintsIsShownAsTextAndNothingOfItRuns() throws Exception {
    String id = create();
    browser.open(cvmPage(id));
    int port = leak.getAddress().getPort();
    List<String> payloads =
        List.of(
            "hostile: <script>window.__pwned=1</script>",
            "hostile: <img src=x onerror=\"window.__pwned=2\">",
            "hostile: <img src=\"http://127.0.0.1:" + port + "/leak\">",
            "hostile: <a href=\"javascript:window.__pwned=3\">click me</a>",
            "hostile: javascript:window.__pwned=4",
            "hostile: <iframe src=\"http://127.0.0.1:"
                + port
                + "/frame\"></iframe><style>body{display:none}</style>",
            // control and bidi-override characters are spelled out
            "hostile: \\x1b[31mred\\x1b[0m &lt;b&gt; \\u202eevil");
    browser.await(10, d -> consoleLines().containsAll(payloads));
    browser.screenshot("cvm-hostile-console");

    // a failure's text (QEMU's last words) reaches the events as text too
    browser.open(manager.url(""));
    browser.await(5, d -> browser.text("#feed").equals("Live"));
    manager.failNext();
    assertThatThrownBy(() -> create()).isInstanceOf(StatusRuntimeException.class);
    browser.await(
        5,
        d ->
            (Boolean)
                browser.js(
                    "return [...document.querySelectorAll('#events .detail')]"
                        + ".some(e => e.textContent.includes("
                        + "'<img src=x onerror=\"window.__pwned=5\"> fatal'))"));

    for (String page : List.of(cvmPage(id), manager.url(""))) {
      browser.open(page);
      browser.await(5, d -> browser.js("return document.readyState").equals("complete"));
      assertThat(browser.js("return typeof window.__pwned")).isEqualTo("undefined");
      assertThat(browser.all("main img, main script, main iframe, main style, #console a"))
          .isEmpty();
      assertThat(
              browser.js(
                  "return performance.getEntriesByType('resource')"
                      + ".filter(e => e.name.includes(':' + arguments[0])).length",
                  port))
          .isEqualTo(0L);
    }
    assertThat(leaks).hasValue(0);
  }

  @Test
  void withActionsOffThereIsNoWayToRemove() {
    String id = create();
    for (String page : List.of(manager.url(""), cvmPage(id))) {
      browser.open(page);
      browser.await(5, d -> browser.text("#feed").equals("Live"));
      browser.await(5, d -> !browser.all("a[href*='cvm.html'], #details dd").isEmpty());
      assertThat(browser.all("button.remove, dialog, .c-actions, .confirm-remove")).isEmpty();
      assertThat(
              browser.js(
                  "return [...document.querySelectorAll('button, a, input')]"
                      + ".filter(e => /remove/i.test(e.textContent + e.value)).length"))
          .isEqualTo(0L);
    }
    // a forged POST, without the session's token, is refused
    Object status =
        browser.driver.executeAsyncScript(
            "fetch('/ui/api/cvms/' + encodeURIComponent(arguments[0]) + '/remove',"
                + " {method: 'POST'}).then(r => arguments[1](r.status))",
            id);
    assertThat(status).isEqualTo(403L);
    assertThat(manager.client().listVms(ListVmsReq.getDefaultInstance()).getCvmsList()).hasSize(1);
  }
}
