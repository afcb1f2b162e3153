package io.cocos.manager.grpc.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driven by its own chromedriver: both paths are given, so Selenium
 * Manager never looks for (or downloads) a browser or a driver. One per test class; {@link #close}
 * quits it and kills whatever of it is left, also after a failed test.
 */
final class UiBrowser implements AutoCloseable {
  static final Path SCREENSHOTS = Path.of("target/ui-screenshots");
  private static final String CHROMIUM = "/usr/bin/chromium";
  private static final String CHROMEDRIVER = "/usr/bin/chromedriver";

  final ChromeDriver driver;
  private final ChromeDriverService service;
  private final Path profile;

  UiBrowser() throws IOException {
    profile = Files.createTempDirectory("ui-chromium-");
    service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(CHROMEDRIVER))
            .usingAnyFreePort()
            .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--user-data-dir=" + profile,
        "--window-size=1400,900");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriver started;
    try {
      started = new ChromeDriver(service, options);
    } catch (RuntimeException e) {
      service.stop();
      deleteProfile();
      throw e;
    }
    driver = started;
    driver.manage().window().setSize(new Dimension(1400, 900));
  }

  void open(String url) {
    driver.get(url);
  }

  /** Waits (polling every 50 ms) until the condition holds, failing after {@code seconds}. */
  <T> T await(double seconds, Function<WebDriver, T> condition) {
    return new WebDriverWait(driver, Duration.ofMillis((long) (seconds * 1000)))
        .pollingEvery(Duration.ofMillis(50))
        .withMessage(this::diagnosis)
        .until(condition);
  }

  /** What a failed wait reports: the page, its feed badge and the browser's console. */
  private String diagnosis() {
    try {
      return "on "
          + driver.getCurrentUrl()
          + " (feed: "
          + js(
              "const f = document.getElementById('feed'); return f && f.className + ': ' + f.textContent")
          + "); console: "
          + console();
    } catch (RuntimeException e) {
      return "no diagnosis: " + e;
    }
  }

  List<WebElement> all(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  String text(String css) {
    return driver.findElement(By.cssSelector(css)).getText();
  }

  Object js(String script, Object... args) {
    return driver.executeScript(script, args);
  }

  /** The state shown in the CVM table's row of a CVM (on the page shown); null without a row. */
  String rowState(String id) {
    return (String)
        js(
            "for (const tr of document.querySelectorAll('#cvms tbody tr'))"
                + "  if (tr.querySelector('.c-id').textContent === arguments[0])"
                + "    return tr.querySelector('.c-state').textContent;"
                + "return null;",
            id);
  }

  /** The browser's console since the last call: warnings, errors, CSP violations, exceptions. */
  List<LogEntry> console() {
    return driver.manage().logs().get(LogType.BROWSER).getAll();
  }

  void assertNoConsoleErrors() {
    assertThat(console())
        .as("SEVERE entries of the browser's console")
        .filteredOn(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
        .isEmpty();
  }

  Path screenshot(String name) throws IOException {
    Files.createDirectories(SCREENSHOTS);
    Path target = SCREENSHOTS.resolve(name + ".png");
    Files.write(target, driver.getScreenshotAs(OutputType.BYTES));
    return target;
  }

  /** An @AfterAll's job: closes the browser, then the manager, each only if it was started. */
  static void closeBoth(UiBrowser browser, UiManager manager) throws Exception {
    try {
      if (browser != null) {
        browser.close();
      }
    } finally {
      if (manager != null) {
        manager.close();
      }
    }
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } catch (RuntimeException e) {
      // quit failed: the processes are killed below all the same
    } finally {
      service.stop();
      // Any Chromium process still running on this profile is ours: kill it by its pid.
      try (Stream<ProcessHandle> left = ProcessHandle.current().descendants()) {
        left.filter(p -> p.info().commandLine().orElse("").contains(profile.toString()))
            .forEach(ProcessHandle::destroyForcibly);
      }
      deleteProfile();
    }
  }

  /** Best effort: a temporary directory, and a dying Chromium may still write to it. */
  private void deleteProfile() {
    try (Stream<Path> files = Files.walk(profile)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // left to the system's temporary directory cleaning
    }
  }
}
