package io.cocos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.cocos.manager.core.testing.TestPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cocos-cli against a real manager process over plaintext gRPC, with a fake QEMU. */
class PlaintextManagerIT {
  private static final Pattern CREATED =
      Pattern.compile(
          "✅ Virtual machine created successfully with id ([0-9a-f-]{36}) and port (\\d+)");

  @TempDir static Path managerDir;
  @TempDir Path work;

  static ManagerProcess manager;
  static Map<String, String> managerEnv;
  static final List<String> created = new ArrayList<>();

  @BeforeAll
  static void startManager() throws Exception {
    managerEnv = ManagerProcess.fakeQemuEnv(managerDir);
    manager = ManagerProcess.start(managerEnv);
  }

  @AfterAll
  static void stopManager() throws Exception {
    if (manager == null) {
      return;
    }
    try {
      // Remove what the tests left through the API, then end the manager (and any fake QEMU).
      CliRun cli = new CliRun(Map.of("MANAGER_GRPC_URL", manager.url()), managerDir);
      for (String id : created) {
        cli.run("remove-vm", id);
      }
    } finally {
      manager.close();
    }
  }

  private Map<String, String> env() {
    return Map.of("MANAGER_GRPC_URL", manager.url());
  }

  private CliRun cli() {
    return new CliRun(env(), work);
  }

  /** create-vm, checked line by line as upstream prints it; returns {id, port}. */
  private String[] create(String... extra) {
    List<String> args = new ArrayList<>(List.of("create-vm", "--server-url", "10.0.0.1:7001"));
    args.addAll(List.of(extra));
    CliRun.Result r = cli().run(args.toArray(String[]::new));
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.err()).isEmpty();
    List<String> lines = r.outLines();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).isEqualTo("🔗 Connected to manager using without TLS");
    assertThat(lines.get(1)).isEqualTo("🔗 Creating a new virtual machine");
    Matcher m = CREATED.matcher(lines.get(2));
    assertThat(m.matches()).as(lines.get(2)).isTrue();
    created.add(m.group(1));
    return new String[] {m.group(1), m.group(2)};
  }

  private void remove(String id) {
    CliRun.Result r = cli().run("remove-vm", id);
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.outLines())
        .containsExactly(
            "🔗 Connected to manager using without TLS",
            "🔗 Removing virtual machine",
            "✅ Virtual machine removed successfully");
    created.remove(id);
  }

  private static JsonObject json(String text) {
    return JsonParser.parseString(text).getAsJsonObject();
  }

  private static JsonObject summary(JsonObject list, String id) {
    for (JsonElement e : list.getAsJsonArray("cvms")) {
      if (e.getAsJsonObject().get("id").getAsString().equals(id)) {
        return e.getAsJsonObject();
      }
    }
    throw new AssertionError("no " + id + " in " + list);
  }

  @Test
  void logsShowTheConsoleAndEventsFollowACvmUntilItIsRemoved() throws Exception {
    String id = create()[0];
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> cli().run("logs", id, "--tail", "10").outLines().size() >= 4);
    CliRun.Result logs = cli().run("logs", id, "--tail", "2");
    assertThat(logs.code()).as(logs.toString()).isZero();
    assertThat(logs.outLines()).hasSize(2).allMatch(l -> l.startsWith("fake-qemu: console line "));
    CliRun.Result json = cli().run("logs", id, "--tail", "1", "--json");
    assertThat(
            JsonParser.parseString(json.outLines().get(0))
                .getAsJsonObject()
                .get("cvmId")
                .getAsString())
        .isEqualTo(id);
    // one JSON object per console line, shaped as before batching: cvmId, line, skippedBytes
    assertThat(JsonParser.parseString(json.outLines().get(0)).getAsJsonObject().keySet())
        .containsExactlyInAnyOrder("cvmId", "line", "skippedBytes");

    CliRun.Running watching = cli().start("events", id);
    CliRun.Running following = cli().start("logs", "-f", "--tail", "0", id);
    // The watch is subscribed once the manager has logged its check that the CVM exists (the same
    // handler subscribes right after, before any call can be answered); the follower once it has
    // printed a line (the fake QEMU prints one a second).
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                manager.output().stream().anyMatch(l -> l.contains("Method CVMInfo for id " + id)));
    await().atMost(Duration.ofSeconds(20)).until(() -> !following.outLines().isEmpty());
    assertThat(cli().run("remove-vm", id).code()).isZero();
    created.remove(id);

    CliRun.Result events = watching.result().get(20, TimeUnit.SECONDS);
    assertThat(events.code()).as(events.toString()).isZero();
    assertThat(events.outLines())
        .extracting(l -> l.split(" {2,}")[2])
        .containsExactly("stopping", "guest-shutdown", "removed");
    assertThat(events.outLines()).allMatch(l -> l.contains(id));
    CliRun.Result followed = following.result().get(20, TimeUnit.SECONDS);
    assertThat(followed.code()).as(followed.toString()).isZero();
    assertThat(followed.outLines())
        .last()
        .as("removal asks the guest to power off first")
        .isEqualTo("fake-qemu: shutting down (guest-shutdown)");

    CliRun.Result unknown = cli().run("logs", "no-such-cvm");
    assertThat(unknown.code()).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(unknown.err()).contains("❌");
  }

  @Test
  void createListInfoRemove() {
    String[] vm = create("--log-level", "debug", "--ttl", "1h30m");
    String id = vm[0];
    String port = vm[1];
    String[] range = managerEnv.get("MANAGER_QEMU_HOST_FWD_RANGE").split("-");
    assertThat(Integer.parseInt(port))
        .isBetween(Integer.parseInt(range[0]), Integer.parseInt(range[1]));

    // list-vms: a table with a header and a row for the CVM.
    CliRun.Result list = cli().run("list-vms");
    assertThat(list.code()).as(list.toString()).isZero();
    assertThat(list.err()).isEmpty();
    List<String> lines = list.outLines();
    assertThat(lines.get(0)).matches("ID +STATE +GUEST +PORT +CID +PID +TEE +AGE +TTL LEFT");
    String row = lines.stream().filter(l -> l.startsWith(id)).findFirst().orElseThrow();
    List<String> cells = List.of(row.split(" {2,}"));
    assertThat(cells).hasSize(9);
    assertThat(cells.get(1)).isEqualTo("running");
    assertThat(cells.get(2)).as("the guest's status, from QMP").isEqualTo("running");
    assertThat(cells.get(3)).isEqualTo(port);
    assertThat(cells.get(5)).matches("\\d+");
    assertThat(cells.get(6)).isEqualTo("none");
    assertThat(cells.get(7)).matches("\\d+s");
    assertThat(cells.get(8)).isIn("1h30m", "1h29m");
    // columns line up: every cell starts where its header does
    int stateColumn = lines.get(0).indexOf("STATE");
    assertThat(row.indexOf("running")).isEqualTo(stateColumn);

    // list-vms --json: the proto3 JSON mapping, every field present.
    CliRun.Result listJson = cli().run("list-vms", "--json");
    assertThat(listJson.code()).isZero();
    JsonObject s = summary(json(listJson.out()), id);
    assertThat(s.get("state").getAsString()).isEqualTo("running");
    assertThat(s.get("guestStatus").getAsString()).isEqualTo("running");
    assertThat(s.get("forwardedPort").getAsString()).isEqualTo(port);
    assertThat(s.get("tee").getAsString()).isEqualTo("none");
    assertThat(s.get("pid").getAsLong()).isPositive();
    assertThat(s.has("guestCid")).isTrue();
    assertThat(s.get("failure").getAsString()).isEmpty();
    Instant createdAt = Instant.parse(s.get("createdAt").getAsString());
    Instant deadline = Instant.parse(s.get("ttlDeadline").getAsString());
    // the TTL went over the wire as Go writes it ("1h30m0s") and came back as a deadline
    assertThat(Duration.between(createdAt, deadline)).isEqualTo(Duration.ofMinutes(90));

    // cvm-info, as text and as JSON
    CliRun.Result info = cli().run("cvm-info", id);
    assertThat(info.code()).as(info.toString()).isZero();
    assertThat(info.outLines())
        .containsExactly(
            "ID:             " + id,
            "OVMF version:   -",
            "EOS version:    -",
            "vCPUs:          4",
            "CPU type:       EPYC",
            "Kernel cmdline: console=ttyS0");
    CliRun.Result infoJson = cli().run("cvm-info", id, "--json");
    assertThat(infoJson.code()).isZero();
    JsonObject i = json(infoJson.out());
    assertThat(i.keySet())
        .containsExactly("id", "ovmfVersion", "cpuNum", "cpuType", "kernelCmd", "eosVersion");
    assertThat(i.get("id").getAsString()).isEqualTo(id);
    assertThat(i.get("cpuNum").getAsInt()).isEqualTo(4);
    assertThat(i.get("kernelCmd").getAsString()).isEqualTo("console=ttyS0");
    assertThat(infoJson.out()).contains("\"console=ttyS0\""); // no \u003d escapes

    remove(id);
    CliRun.Result gone = cli().run("cvm-info", id);
    assertThat(gone.code()).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(gone.out()).isEmpty();
    assertThat(gone.errLines()).containsExactly("❌ no CVM with id " + id);
  }

  @Test
  void createVmJsonPrintsOnlyJson() {
    CliRun.Result r = cli().run("create-vm", "--server-url", "10.0.0.1:7001", "--json");
    assertThat(r.code()).as(r.toString()).isZero();
    JsonObject o = json(r.out());
    assertThat(o.keySet()).containsExactly("forwardedPort", "cvmId");
    String id = o.get("cvmId").getAsString();
    created.add(id);
    assertThat(o.get("forwardedPort").getAsString()).matches("\\d+");
    remove(id);
  }

  @Test
  void pemFilesAndFlagsReachTheAgent() throws IOException {
    TestPki pki = new TestPki("cvms-ca");
    pki.issue("agent").writeTo(work, "agent");
    pki.writeCa(work.resolve("ca.pem"));
    String id =
        create(
            "--server-ca",
            "ca.pem",
            "--client-crt",
            "agent.crt",
            "--client-key",
            work.resolve("agent.key").toString(),
            "--ca-url",
            "https://ca.example.com",
            "--log-level",
            "warn")[0];

    // The manager wrote what the CLI read and sent into the CVM's shares.
    Path state = Path.of(managerEnv.get("MANAGER_STATE_DIR"));
    assertThat(find(state, id, "key.pem")).hasSameTextualContentAs(work.resolve("agent.key"));
    assertThat(find(state, id, "cert.pem")).hasSameTextualContentAs(work.resolve("agent.crt"));
    assertThat(find(state, id, "ca.pem")).hasSameTextualContentAs(work.resolve("ca.pem"));
    assertThat(Files.readAllLines(find(state, id, "environment")))
        .contains(
            "AGENT_LOG_LEVEL=warn",
            "AGENT_CVM_GRPC_URL=10.0.0.1:7001",
            "AGENT_CVM_CA_URL=https://ca.example.com",
            "AGENT_CVM_ID=" + id);
    remove(id);
  }

  private static Path find(Path root, String id, String name) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(p -> p.getFileName().toString().equals(name) && p.toString().contains(id))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no " + name + " for " + id + " under " + root));
    }
  }

  @Test
  void removeUnknownIdIsNotFound() {
    CliRun.Result r = cli().run("remove-vm", "1234");
    assertThat(r.code()).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(r.outLines())
        .containsExactly(
            "🔗 Connected to manager using without TLS", "🔗 Removing virtual machine");
    assertThat(r.errLines()).containsExactly("❌ no CVM with id 1234");
  }

  @Test
  void attestationPolicyOfAPlainCvmIsRefused() {
    String id = create()[0];
    CliRun.Result r = cli().run("attestation-policy", id);
    assertThat(r.code()).isEqualTo(ExitCode.REJECTED);
    assertThat(r.out()).isEmpty();
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.errLines().get(0)).startsWith("❌ CVM " + id + " runs without SEV-SNP or TDX");
    CliRun.Result unknown = cli().run("attestation-policy", "nope", "--json");
    assertThat(unknown.code()).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(unknown.errLines()).containsExactly("❌ no CVM with id nope");
    remove(id);
  }

  @Test
  void invalidArgumentFromTheManager() {
    // A control character would let a caller inject variables into the agent's environment file.
    CliRun.Result r = cli().run("create-vm", "--server-url", "10.0.0.1:7001\nAGENT_EVIL=1");
    assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.REJECTED);
    assertThat(r.outLines())
        .containsExactly(
            "🔗 Connected to manager using without TLS", "🔗 Creating a new virtual machine");
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.errLines().get(0)).startsWith("❌ ").contains("agent_cvm_server_url");
  }

  @Test
  void upstreamsFlagsReachTheAgentAndSecretsMayComeFromTheEnvironment() throws IOException {
    String secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    Map<String, String> withSecrets = new HashMap<>(env());
    withSecrets.put("COCOS_AWS_SECRET_ACCESS_KEY", secret);
    withSecrets.put("COCOS_CERTS_TOKEN", "token-from-env");
    // The SDK's own variable is the user's: it must not be picked up.
    withSecrets.put("AWS_SECRET_ACCESS_KEY", "the-users-own-aws-secret");
    CliRun.Result r =
        new CliRun(withSecrets, work)
            .run(
                "create-vm",
                "--server-url",
                "10.0.0.1:7001",
                "--aws-access-key-id",
                "AKIAIOSFODNN7EXAMPLE",
                "--aws-endpoint-url",
                "http://10.0.2.2:9000",
                "--aws-region",
                "us-east-1",
                "--aa-kbs-params",
                "type=sample");
    assertThat(r.code()).as(r.toString()).isZero();
    Matcher m = CREATED.matcher(r.outLines().get(2));
    assertThat(m.matches()).isTrue();
    created.add(m.group(1));
    Path cvmDir = managerDir.resolve("state/cvms").resolve(m.group(1));
    assertThat(cvmDir.resolve("env/environment"))
        .content()
        .contains(
            "AGENT_CERTS_TOKEN=token-from-env\n",
            "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n",
            "AWS_SECRET_ACCESS_KEY=" + secret + "\n",
            "AWS_ENDPOINT_URL=http://10.0.2.2:9000\n",
            "AWS_REGION=us-east-1\n")
        .doesNotContain("the-users-own-aws-secret");
    assertThat(r.out() + r.err()).doesNotContain(secret, "token-from-env");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(cvmDir.resolve("console.log"))
                    .content()
                    .contains(" agent.aa_kbc_params=type=sample"));
    remove(m.group(1));

    // A flag wins over its variable.
    String[] flagged =
        create(
            "--certs-token",
            "token-from-flag",
            "--aws-access-key-id",
            "AKIA2",
            "--aws-secret-access-key",
            "secret-from-flag");
    Path flaggedEnv =
        managerDir.resolve("state/cvms").resolve(flagged[0]).resolve("env/environment");
    assertThat(flaggedEnv)
        .content()
        .contains(
            "AGENT_CERTS_TOKEN=token-from-flag\n", "AWS_SECRET_ACCESS_KEY=secret-from-flag\n");
    remove(flagged[0]);
  }

  @Test
  void kbsParametersWithASpaceAreRefusedByTheManager() {
    CliRun.Result r =
        cli()
            .run(
                "create-vm",
                "--server-url",
                "10.0.0.1:7001",
                "--aa-kbs-params",
                "type=sample init=/bin/sh");
    assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.REJECTED);
    assertThat(r.errLines())
        .singleElement()
        .asString()
        .startsWith("❌ ")
        .contains("aa_kbs_params contains a space");
  }

  @Test
  void ttlZeroMeansNoTtlAsUpstream() {
    String id = create("--ttl", "0s")[0];
    JsonObject s = summary(json(cli().run("list-vms", "--json").out()), id);
    assertThat(s.has("ttlDeadline")).isFalse();
    remove(id);
  }

  @Test
  void listTableAgesAndTtlsFollowTheClock() {
    String id = create("--ttl", "10m")[0];
    Clock later = Clock.fixed(Instant.now().plus(Duration.ofMinutes(3)), ZoneOffset.UTC);
    String row =
        new CliRun(env(), work)
            .withClock(later).run("list-vms").outLines().stream()
                .filter(l -> l.startsWith(id))
                .findFirst()
                .orElseThrow();
    List<String> cells = List.of(row.split(" {2,}"));
    assertThat(cells.get(7)).matches("3m\\d+s|2m59s");
    assertThat(cells.get(8)).matches("[67]m\\d+s");
    Clock muchLater = Clock.fixed(Instant.now().plus(Duration.ofHours(1)), ZoneOffset.UTC);
    String expired =
        new CliRun(env(), work)
            .withClock(muchLater).run("list-vms").outLines().stream()
                .filter(l -> l.startsWith(id))
                .findFirst()
                .orElseThrow();
    assertThat(expired).endsWith("expired");
    remove(id);
  }

  @Test
  void spinnerAndColoursOnATerminal() {
    CliRun.Result r =
        new CliRun(env(), work).onTerminal().run("create-vm", "--server-url", "10.0.0.1:7001");
    assertThat(r.code()).as(r.toString()).isZero();
    // fake QEMU takes the manager's 300ms start-up grace: the spinner gets to draw
    assertThat(r.out())
        .contains(
            "🔗 Creating a new virtual machine\n\r⠋ waiting for the manager",
            "\r\u001b[2K\u001b[32m✅ ");
    Matcher m = CREATED.matcher(r.out());
    assertThat(m.find()).isTrue();
    created.add(m.group(1));
    CliRun.Result noColor =
        new CliRun(Map.of("MANAGER_GRPC_URL", manager.url(), "NO_COLOR", "1"), work)
            .onTerminal()
            .run("remove-vm", m.group(1));
    assertThat(noColor.code()).isZero();
    assertThat(noColor.out()).doesNotContain("\u001b[");
    created.remove(m.group(1));
  }

  // ---------------------------------------------------------------- as a real process

  @Test
  void realProcessExitCodesAndStreams() throws Exception {
    Map<String, String> env = new HashMap<>(env());
    CliRun.Result create =
        CliProcess.run(env, work, "create-vm", "--server-url", "10.0.0.1:7001", "--ttl", "90s");
    assertThat(create.code()).as(create.toString()).isZero();
    assertThat(create.err()).isEmpty();
    assertThat(create.outLines()).hasSize(3);
    assertThat(create.outLines().get(0)).isEqualTo("🔗 Connected to manager using without TLS");
    assertThat(create.outLines().get(1)).isEqualTo("🔗 Creating a new virtual machine");
    Matcher m = CREATED.matcher(create.outLines().get(2));
    assertThat(m.matches()).as(create.toString()).isTrue();
    String id = m.group(1);
    created.add(id);

    CliRun.Result list = CliProcess.run(env, work, "list-vms", "--json");
    assertThat(list.code()).isZero();
    assertThat(list.err()).isEmpty();
    JsonArray cvms = json(list.out()).getAsJsonArray("cvms");
    assertThat(cvms.size()).isPositive();
    summary(json(list.out()), id);

    CliRun.Result unknown = CliProcess.run(env, work, "remove-vm", "1234");
    assertThat(unknown.code()).isEqualTo(5);
    assertThat(unknown.out())
        .isEqualTo("🔗 Connected to manager using without TLS\n🔗 Removing virtual machine\n");
    assertThat(unknown.err()).isEqualTo("❌ no CVM with id 1234\n");

    CliRun.Result usage = CliProcess.run(env, work, "create-vm");
    assertThat(usage.code()).isEqualTo(2);
    assertThat(usage.out()).isEmpty();
    assertThat(usage.err()).startsWith("❌ Missing required option: '--server-url=<host:port>'\n");

    CliRun.Result ttl =
        CliProcess.run(env, work, "create-vm", "--server-url", "x:1", "--ttl", "5min");
    assertThat(ttl.code()).isEqualTo(2);
    assertThat(ttl.err())
        .startsWith("❌ Invalid value for option '--ttl': '5min' is not a duration");

    CliRun.Result pem =
        CliProcess.run(env, work, "create-vm", "--server-url", "x:1", "--client-key", "/x/y.pem");
    assertThat(pem.code()).isEqualTo(9);
    assertThat(pem.out()).isEmpty();
    assertThat(pem.err()).isEqualTo("❌ cannot read --client-key /x/y.pem: no such file\n");

    CliRun.Result removed = CliProcess.run(env, work, "remove-vm", id);
    assertThat(removed.code()).isZero();
    assertThat(removed.err()).isEmpty();
    assertThat(removed.out())
        .isEqualTo(
            "🔗 Connected to manager using without TLS\n🔗 Removing virtual machine\n"
                + "✅ Virtual machine removed successfully\n");
    created.remove(id);

    int closed = CliBasicsTest.closedPort();
    CliRun.Result unreachable =
        CliProcess.run(Map.of("MANAGER_GRPC_URL", "localhost:" + closed), work, "list-vms");
    assertThat(unreachable.code()).isEqualTo(3);
    assertThat(unreachable.out()).isEmpty();
    assertThat(unreachable.err())
        .isEqualTo("❌ manager unreachable at localhost:" + closed + ": connection refused\n");
  }

  @Test
  void realProcessKeysAndHelp() throws Exception {
    CliRun.Result keys = CliProcess.run(Map.of(), work, "keys", "-k", "ecdsa");
    assertThat(keys.code()).isZero();
    assertThat(keys.out())
        .isEqualTo("Successfully generated public/private key pair of type: ecdsa\n");
    assertThat(
            KeysTest.openssl("pkey", "-in", work.resolve("private.pem").toString(), "-noout")
                .exit())
        .isZero();
    CliRun.Result help = CliProcess.run(Map.of(), work, "--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("Exit codes:");
    assertThat(help.err()).isEmpty();
  }
}
