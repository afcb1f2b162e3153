package io.cocos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import io.cocos.manager.core.testing.TestPki;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cocos-cli against managers serving TLS and mTLS (certificates made by the test). */
class TlsManagerIT {
  private static final Pattern CREATED =
      Pattern.compile(
          "✅ Virtual machine created successfully with id ([0-9a-f-]{36}) and port (\\d+)");

  @TempDir Path dir;

  private final TestPki pki = new TestPki("manager-ca");
  private final TestPki stranger = new TestPki("someone-else");

  private Map<String, String> managerEnv(boolean mutual) throws Exception {
    Map<String, String> env = ManagerProcess.fakeQemuEnv(dir.resolve("manager"));
    pki.issue("localhost").writeTo(dir, "server");
    env.put("MANAGER_GRPC_SERVER_CERT", dir.resolve("server.crt").toString());
    env.put("MANAGER_GRPC_SERVER_KEY", dir.resolve("server.key").toString());
    if (mutual) {
      env.put("MANAGER_GRPC_CLIENT_CA_CERTS", pki.writeCa(dir.resolve("client-ca.pem")).toString());
    }
    return env;
  }

  /** create-vm then remove-vm, each checked line by line, announcing the given mode. */
  private static void createAndRemove(CliRun cli, String mode) {
    CliRun.Result r = cli.run("create-vm", "--server-url", "10.0.0.1:7001");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.err()).isEmpty();
    List<String> lines = r.outLines();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).isEqualTo("🔗 Connected to manager using " + mode);
    assertThat(lines.get(1)).isEqualTo("🔗 Creating a new virtual machine");
    Matcher m = CREATED.matcher(lines.get(2));
    assertThat(m.matches()).as(lines.get(2)).isTrue();
    CliRun.Result list = cli.run("list-vms");
    assertThat(list.code()).as(list.toString()).isZero();
    assertThat(list.out()).contains(m.group(1));
    CliRun.Result removed = cli.run("remove-vm", m.group(1));
    assertThat(removed.code()).as(removed.toString()).isZero();
    assertThat(removed.outLines())
        .containsExactly(
            "🔗 Connected to manager using " + mode,
            "🔗 Removing virtual machine",
            "✅ Virtual machine removed successfully");
  }

  @Test
  void tls() throws Exception {
    try (ManagerProcess manager = ManagerProcess.start(managerEnv(false))) {
      Path ca = pki.writeCa(dir.resolve("ca.pem"));
      Map<String, String> env =
          Map.of("MANAGER_GRPC_URL", manager.url(), "MANAGER_GRPC_SERVER_CA_CERTS", ca.toString());
      createAndRemove(new CliRun(env, dir), "with TLS");

      // Plaintext to a TLS manager: unreachable, with a hint.
      CliRun.Result plain =
          new CliRun(Map.of("MANAGER_GRPC_URL", manager.url()), dir).run("list-vms");
      assertThat(plain.code()).as(plain.toString()).isEqualTo(ExitCode.UNREACHABLE);
      assertThat(plain.out()).isEmpty();
      assertThat(plain.errLines())
          .containsExactly(
              "❌ manager unreachable at "
                  + manager.url()
                  + ": the connection was closed (the manager stopped, or it uses TLS: then set"
                  + " MANAGER_GRPC_SERVER_CA_CERTS)");

      // A CA that did not sign the manager's certificate.
      Path wrong = stranger.writeCa(dir.resolve("wrong-ca.pem"));
      CliRun.Result untrusted =
          new CliRun(
                  Map.of(
                      "MANAGER_GRPC_URL",
                      manager.url(),
                      "MANAGER_GRPC_SERVER_CA_CERTS",
                      wrong.toString()),
                  dir)
              .run("list-vms");
      assertThat(untrusted.code()).as(untrusted.toString()).isEqualTo(ExitCode.UNREACHABLE);
      assertThat(untrusted.errLines())
          .containsExactly(
              "❌ manager unreachable at "
                  + manager.url()
                  + ": TLS handshake failed: the manager's certificate is not trusted by "
                  + wrong);

      // TLS to a plaintext manager.
      try (ManagerProcess plainManager =
          ManagerProcess.start(ManagerProcess.fakeQemuEnv(dir.resolve("plain")))) {
        CliRun.Result tlsToPlain =
            new CliRun(
                    Map.of(
                        "MANAGER_GRPC_URL",
                        plainManager.url(),
                        "MANAGER_GRPC_SERVER_CA_CERTS",
                        ca.toString()),
                    dir)
                .run("cvm-info", "x");
        assertThat(tlsToPlain.code()).isEqualTo(ExitCode.UNREACHABLE);
        assertThat(tlsToPlain.errLines())
            .containsExactly(
                "❌ manager unreachable at "
                    + plainManager.url()
                    + ": TLS handshake failed: the manager does not speak TLS (unset MANAGER_GRPC_SERVER_CA_CERTS,"
                    + " MANAGER_GRPC_CLIENT_CERT and MANAGER_GRPC_CLIENT_KEY)");
      }

      // The same through the real jar, TLS files named by relative paths from its working
      // directory.
      CliRun.Result process =
          CliProcess.run(
              Map.of("MANAGER_GRPC_URL", manager.url(), "MANAGER_GRPC_SERVER_CA_CERTS", "ca.pem"),
              dir,
              "list-vms",
              "--json");
      assertThat(process.code()).as(process.toString()).isZero();
      assertThat(process.out()).startsWith("{");
      assertThat(process.err()).isEmpty();
    }
  }

  @Test
  void mutualTls() throws Exception {
    try (ManagerProcess manager = ManagerProcess.start(managerEnv(true))) {
      Path ca = pki.writeCa(dir.resolve("ca.pem"));
      pki.issue("operator").writeTo(dir, "client");
      Map<String, String> env =
          new HashMap<>(
              Map.of(
                  "MANAGER_GRPC_URL",
                  manager.url(),
                  "MANAGER_GRPC_SERVER_CA_CERTS",
                  ca.toString(),
                  "MANAGER_GRPC_CLIENT_CERT",
                  dir.resolve("client.crt").toString(),
                  "MANAGER_GRPC_CLIENT_KEY",
                  dir.resolve("client.key").toString()));
      createAndRemove(new CliRun(env, dir), "with mTLS");

      CliRun.Result process =
          CliProcess.run(env, dir, "create-vm", "--server-url", "10.0.0.1:7001", "--json");
      assertThat(process.code()).as(process.toString()).isZero();
      assertThat(process.err()).isEmpty();
      String id =
          JsonParser.parseString(process.out()).getAsJsonObject().get("cvmId").getAsString();
      assertThat(CliProcess.run(env, dir, "remove-vm", id).code()).isZero();

      // Without a client certificate the manager turns us away.
      CliRun.Result anonymous =
          new CliRun(
                  Map.of(
                      "MANAGER_GRPC_URL",
                      manager.url(),
                      "MANAGER_GRPC_SERVER_CA_CERTS",
                      ca.toString()),
                  dir)
              .run("list-vms");
      assertThat(anonymous.code()).as(anonymous.toString()).isEqualTo(ExitCode.UNREACHABLE);
      assertThat(anonymous.errLines())
          .containsExactly(
              "❌ manager unreachable at "
                  + manager.url()
                  + ": TLS handshake failed: the manager requires a client certificate"
                  + " (set MANAGER_GRPC_CLIENT_CERT and MANAGER_GRPC_CLIENT_KEY)");

      // A client certificate from a CA the manager does not trust.
      stranger.issue("intruder").writeTo(dir, "intruder");
      CliRun.Result intruder =
          new CliRun(
                  Map.of(
                      "MANAGER_GRPC_URL",
                      manager.url(),
                      "MANAGER_GRPC_SERVER_CA_CERTS",
                      ca.toString(),
                      "MANAGER_GRPC_CLIENT_CERT",
                      dir.resolve("intruder.crt").toString(),
                      "MANAGER_GRPC_CLIENT_KEY",
                      dir.resolve("intruder.key").toString()),
                  dir)
              .run("list-vms");
      assertThat(intruder.code()).as(intruder.toString()).isEqualTo(ExitCode.UNREACHABLE);
      assertThat(intruder.out()).isEmpty();
      assertThat(intruder.errLines())
          .containsExactly(
              "❌ manager unreachable at "
                  + manager.url()
                  + ": TLS handshake failed: the manager did not accept the client certificate "
                  + dir.resolve("intruder.crt")
                  + " (is it signed by a CA the manager trusts?)");
    }
  }
}
