package io.cocos.manager.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * monitoring/'s Prometheus configuration and alert rules, checked by Debian's promtool (taken out
 * of the package prometheus by scripts/install-deps.sh --test, without installing the server). That
 * every series they use is exported is ObservabilityTest's part.
 */
class MonitoringConfigTest {
  static final Path MONITORING = Path.of("../monitoring");

  /** Put there by scripts/install-deps.sh --test (make test), out of Debian's prometheus .deb. */
  static final Path PROMTOOL = Path.of("../build/tools/bin/promtool").toAbsolutePath();

  @Test
  void promtoolAcceptsTheAlertRules() throws Exception {
    Result r = promtool("check", "rules", MONITORING.resolve("alert_rules.yml").toString());
    assertThat(r.code()).as(r.output()).isZero();
    assertThat(r.output()).containsPattern("SUCCESS: \\d+ rules found");
  }

  /** monitoring/alert_rules_test.yml: the capacity alerts fire at their figures, not before. */
  @Test
  void theCapacityAlertsFireAtTheirThresholdsAndNotBefore() throws Exception {
    Result r = promtool("test", "rules", MONITORING.resolve("alert_rules_test.yml").toString());
    assertThat(r.code()).as(r.output()).isZero();
    assertThat(r.output()).contains("SUCCESS");
  }

  @Test
  void promtoolAcceptsTheScrapeConfigurationAndTheRulesItLoads() throws Exception {
    Result r = promtool("check", "config", MONITORING.resolve("prometheus.yml").toString());
    assertThat(r.code()).as(r.output()).isZero();
    assertThat(r.output()).contains("SUCCESS: 1 rule files found");
  }

  @Test
  void promtoolWouldRefuseABrokenRule(@TempDir Path tmp) throws Exception {
    Path broken = tmp.resolve("broken.yml");
    Files.writeString(
        broken,
        "groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: rate(manager_api_request_count[5m]\n");
    assertThat(promtool("check", "rules", broken.toString()).code()).isNotZero();
  }

  record Result(int code, String output) {}

  static Result promtool(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(PROMTOOL.toString()));
    command.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError(
          "promtool is missing at " + PROMTOOL + ": run scripts/install-deps.sh --test", e);
    }
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), output);
  }
}
