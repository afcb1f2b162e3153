package io.cocos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cocos.manager.core.testing.PortBlocks;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What cocos-cli does without a manager: help, version, completion, usage and local errors. */
class CliBasicsTest {
  @TempDir Path dir;

  private CliRun cli(Map<String, String> env) {
    return new CliRun(env, dir);
  }

  private CliRun cli() {
    return cli(Map.of());
  }

  @Test
  void rootHelpListsCommandsExitCodesEnvironmentAndExamples() {
    CliRun.Result r = cli().run("--help");
    assertThat(r.code()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out())
        .contains(
            "Usage: cocos-cli",
            "create-vm",
            "remove-vm",
            "list-vms",
            "cvm-info",
            "host-info",
            "attestation-policy",
            "keys",
            "completion",
            "Exit codes:",
            "MANAGER_GRPC_URL",
            "Examples:");
    assertThat(r.out()).doesNotContain("\u001b[");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "create-vm",
        "remove-vm",
        "list-vms",
        "cvm-info",
        "host-info",
        "attestation-policy",
        "keys",
        "completion"
      })
  void everyCommandHasHelpWithExamples(String command) {
    CliRun.Result r = cli().run(command, "--help");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .startsWith("Usage: cocos-cli " + command)
        .contains("Examples:", "  cocos-cli " + command);
    if (!command.equals("completion")) {
      assertThat(r.out()).contains("Exit codes:", "130");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"list-vms", "cvm-info", "host-info", "create-vm", "attestation-policy"})
  void everyCommandPrintingDataHasJson(String command) {
    assertThat(cli().run(command, "--help").out()).contains("--json");
  }

  @Test
  void bareCommandPrintsHelpAsUpstream() {
    CliRun.Result r = cli().run();
    assertThat(r.code()).isZero();
    assertThat(r.out()).startsWith("Usage: cocos-cli");
  }

  @Test
  void version() {
    CliRun.Result r = cli().run("--version");
    assertThat(r.code()).isZero();
    assertThat(r.outLines().get(0)).matches("cocos-cli \\d+\\.\\d+\\.\\d+.*");
  }

  @Test
  void completionPrintsABashScriptThatBashAccepts() throws Exception {
    CliRun.Result r = cli().run("completion");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .startsWith("#!/usr/bin/env bash")
        .contains("complete -F", "create-vm", "--server-url", "ecdsa");
    Path script = Files.writeString(dir.resolve("completion.bash"), r.out());
    Process bash =
        new ProcessBuilder("bash", "-c", "source " + script + " && complete -p cocos-cli")
            .redirectErrorStream(true)
            .start();
    String out = new String(bash.getInputStream().readAllBytes());
    assertThat(bash.waitFor()).as(out).isZero();
    assertThat(out).contains("cocos-cli");
    assertThat(cli().run("completion", "zsh").out()).isEqualTo(r.out());
    assertThat(cli().run("completion", "fish").code()).isEqualTo(2);
  }

  @Test
  void unknownCommandIsAUsageError() {
    CliRun.Result r = cli().run("frobnicate");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.errLines().get(0)).isEqualTo("❌ Unmatched argument at index 0: 'frobnicate'");
    assertThat(r.err()).contains("Run 'cocos-cli --help' for usage.");
  }

  @Test
  void createVmWithoutServerUrlIsAUsageError() {
    CliRun.Result r = cli().run("create-vm", "--log-level", "debug");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.errLines())
        .containsExactly(
            "❌ Missing required option: '--server-url=<host:port>'",
            "Run 'cocos-cli create-vm --help' for usage.");
  }

  @ParameterizedTest
  @ValueSource(strings = {"5min", "1d", "abc", "-5m", "90"})
  void invalidTtlIsAUsageErrorBeforeAnythingIsDialled(String ttl) {
    CliRun.Result r = cli().run("create-vm", "--server-url", "cvms:7001", "--ttl", ttl);
    assertThat(r.code()).as(r.toString()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.errLines().get(0))
        .startsWith("❌ Invalid value for option '--ttl': '" + ttl + "' is ");
  }

  @Test
  void removeVmWithoutIdIsAUsageError() {
    CliRun.Result r = cli().run("remove-vm");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.errLines().get(0)).isEqualTo("❌ Missing required parameter: '<cvm_id>'");
  }

  @Test
  void missingPemFileIsNamedAndNothingIsDialled() {
    CliRun.Result r =
        cli().run("create-vm", "--server-url", "cvms:7001", "--client-key", "/x/y.pem");
    assertThat(r.code()).isEqualTo(ExitCode.LOCAL);
    assertThat(r.out()).isEmpty();
    assertThat(r.errLines()).containsExactly("❌ cannot read --client-key /x/y.pem: no such file");
  }

  @Test
  void relativePemPathsAreReadFromTheWorkingDirectory() throws IOException {
    Files.writeString(dir.resolve("junk.pem"), "not pem at all");
    CliRun.Result r =
        cli().run("create-vm", "--server-url", "cvms:7001", "--server-ca", "junk.pem");
    assertThat(r.code()).isEqualTo(ExitCode.LOCAL);
    assertThat(r.errLines())
        .containsExactly(
            "❌ cannot use --server-ca junk.pem: not a PEM file (no \"-----BEGIN\" line)");
    CliRun.Result d = cli().run("create-vm", "--server-url", "cvms:7001", "--client-crt", ".");
    assertThat(d.errLines()).containsExactly("❌ cannot read --client-crt .: is a directory");
  }

  @Test
  void unreachableManagerIsSaidInWords() throws IOException {
    int port = closedPort();
    CliRun.Result r = cli(Map.of("MANAGER_GRPC_URL", "127.0.0.1:" + port)).run("remove-vm", "1234");
    assertThat(r.code()).isEqualTo(ExitCode.UNREACHABLE);
    assertThat(r.outLines())
        .containsExactly(
            "🔗 Connected to manager using without TLS", "🔗 Removing virtual machine");
    assertThat(r.errLines())
        .containsExactly("❌ manager unreachable at 127.0.0.1:" + port + ": connection refused");
  }

  @Test
  void dataCommandsKeepStdoutCleanWhenTheManagerIsUnreachable() throws IOException {
    int port = closedPort();
    CliRun.Result r =
        cli(Map.of("MANAGER_GRPC_URL", "localhost:" + port)).run("list-vms", "--json");
    assertThat(r.code()).isEqualTo(ExitCode.UNREACHABLE);
    assertThat(r.out()).isEmpty();
    assertThat(r.errLines())
        .containsExactly("❌ manager unreachable at localhost:" + port + ": connection refused");
  }

  @Test
  void unknownHost() {
    CliRun.Result r =
        cli(Map.of("MANAGER_GRPC_URL", "no-such-host.invalid:7001")).run("cvm-info", "x");
    assertThat(r.code()).isEqualTo(ExitCode.UNREACHABLE);
    assertThat(r.errLines())
        .containsExactly(
            "❌ manager unreachable at no-such-host.invalid:7001: unknown host no-such-host.invalid");
  }

  @Test
  void badEnvironmentValuesAreNamed() {
    assertThat(cli(Map.of("MANAGER_GRPC_TIMEOUT", "soon")).run("list-vms").errLines())
        .containsExactly("❌ MANAGER_GRPC_TIMEOUT \"soon\" is not a duration such as 60s or 1m30s");
    assertThat(cli(Map.of("MANAGER_GRPC_URL", "localhost")).run("list-vms").errLines())
        .containsExactly("❌ MANAGER_GRPC_URL \"localhost\" is not host:port (e.g. localhost:7001)");
    CliRun.Result half = cli(Map.of("MANAGER_GRPC_CLIENT_CERT", "/tmp/c.pem")).run("list-vms");
    assertThat(half.code()).isEqualTo(ExitCode.LOCAL);
    assertThat(half.errLines())
        .containsExactly(
            "❌ MANAGER_GRPC_CLIENT_CERT is set but MANAGER_GRPC_CLIENT_KEY is not: mTLS needs both");
    CliRun.Result ca =
        cli(Map.of("MANAGER_GRPC_SERVER_CA_CERTS", "/nonexistent/ca.pem")).run("list-vms");
    assertThat(ca.code()).isEqualTo(ExitCode.LOCAL);
    assertThat(ca.errLines())
        .containsExactly(
            "❌ cannot read MANAGER_GRPC_SERVER_CA_CERTS /nonexistent/ca.pem: no such file");
  }

  @Test
  void timeoutIsTheCallDeadline() throws Exception {
    // A server that accepts and never answers: the call must end at MANAGER_GRPC_TIMEOUT.
    try (ServerSocket silent = new ServerSocket(0)) {
      Thread acceptor =
          new Thread(
              () -> {
                try {
                  while (true) {
                    silent.accept();
                  }
                } catch (IOException e) {
                  // closed
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      long start = System.nanoTime();
      CliRun.Result r =
          cli(Map.of(
                  "MANAGER_GRPC_URL",
                  "127.0.0.1:" + silent.getLocalPort(),
                  "MANAGER_GRPC_TIMEOUT",
                  "700ms"))
              .run("cvm-info", "x");
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.TIMEOUT);
      assertThat(r.errLines())
          .containsExactly(
              "❌ the manager at 127.0.0.1:"
                  + silent.getLocalPort()
                  + " did not answer within 700ms (MANAGER_GRPC_TIMEOUT)");
      assertThat(ms).isBetween(600L, 5000L);
    }
  }

  @Test
  void coloursOnlyOnTerminalsAndNeverWithNoColor() {
    Map<String, String> env = Map.of("MANAGER_GRPC_URL", "127.0.0.1:1");
    assertThat(new CliRun(env, dir).onTerminal().run("cvm-info", "x").err())
        .contains("\u001b[31m❌");
    assertThat(new CliRun(env, dir).run("cvm-info", "x").err()).doesNotContain("\u001b[");
    assertThat(
            new CliRun(Map.of("MANAGER_GRPC_URL", "127.0.0.1:1", "NO_COLOR", "1"), dir)
                .onTerminal()
                .run("cvm-info", "x")
                .err())
        .doesNotContain("\u001b[");
    assertThat(new CliRun(Map.of("NO_COLOR", "1"), dir).onTerminal().run("--help").out())
        .doesNotContain("\u001b[");
    assertThat(new CliRun(Map.of(), dir).onTerminal().run("--help").out()).contains("\u001b[");
  }

  /**
   * A port nothing listens on: one of a block reserved for this test JVM, which binds none of it.
   */
  static int closedPort() {
    return PortBlocks.reserve().first();
  }
}
