package io.cocos.cli.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.cocos.cli.CliRun;
import io.cocos.cli.ExitCode;
import io.cocos.manager.core.testing.PortBlocks;
import io.cocos.manager.core.testing.TestPki;
import io.grpc.Server;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's connection, against a real TLS server and closed ports: its failures are said of the
 * agent and name the AGENT_GRPC_* variables, with paths and hosts as given; the manager's variables
 * never configure it, nor its the manager's.
 */
class AgentConnectionTest {
  private static final String FAILED = "❌ Error retrieving computation result: ";

  @TempDir Path dir;

  private Server tlsAgent;
  private String key;

  @BeforeEach
  void setUp() throws Exception {
    TestPki pki = new TestPki("agent-ca");
    pki.issue("localhost").writeTo(dir, "agent");
    tlsAgent =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .sslContext(
                GrpcSslContexts.forServer(
                        dir.resolve("agent.crt").toFile(), dir.resolve("agent.key").toFile())
                    .build())
            .addService(new HealthStatusManager().getHealthService())
            .build()
            .start();
    CliRun.Result keys = new CliRun(Map.of(), dir).run("keys", "-k", "ed25519");
    assertThat(keys.code()).as(keys.toString()).isZero();
    key = dir.resolve("private.pem").toString();
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    tlsAgent.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private CliRun.Result result(Map<String, String> env) {
    return new CliRun(env, dir).run("result", key);
  }

  /** A port nothing listens on: one of a block reserved for this test JVM, which binds none. */
  private static String closedUrl() {
    return "127.0.0.1:" + PortBlocks.reserve().first();
  }

  @Test
  void anUntrustedAgentKeepsTheCaPathEvenWhenItSaysManager() throws Exception {
    Path ca = new TestPki("someone-else").writeCa(dir.resolve("etc/cocos-manager/ca.pem"));
    String url = "localhost:" + tlsAgent.getPort();
    CliRun.Result r =
        result(Map.of("AGENT_GRPC_URL", url, "AGENT_GRPC_SERVER_CA_CERTS", ca.toString()));
    assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.UNREACHABLE);
    assertThat(r.out()).contains("🔗 Connected to agent with TLS");
    assertThat(r.errLines())
        .containsExactly(
            FAILED
                + "agent unreachable at "
                + url
                + ": TLS handshake failed: the agent's certificate is not trusted by "
                + ca);
  }

  @Test
  void aCaFileUnderAManagerPathIsNamedByTheAgentsVariable() throws Exception {
    Path missing = dir.resolve("etc/cocos-manager/missing.pem");
    Path junk = Files.createDirectories(dir.resolve("etc/cocos-manager")).resolve("junk.pem");
    Files.writeString(junk, "not a certificate\n");
    String url = "localhost:" + tlsAgent.getPort();
    CliRun.Result gone =
        result(Map.of("AGENT_GRPC_URL", url, "AGENT_GRPC_SERVER_CA_CERTS", missing.toString()));
    assertThat(gone.code()).isEqualTo(ExitCode.LOCAL);
    assertThat(gone.errLines())
        .containsExactly("❌ cannot read AGENT_GRPC_SERVER_CA_CERTS " + missing + ": no such file");
    CliRun.Result bad =
        result(Map.of("AGENT_GRPC_URL", url, "AGENT_GRPC_SERVER_CA_CERTS", junk.toString()));
    assertThat(bad.code()).isEqualTo(ExitCode.LOCAL);
    assertThat(bad.errLines())
        .singleElement()
        .asString()
        .startsWith("❌ cannot use AGENT_GRPC_SERVER_CA_CERTS " + junk + ": ");
  }

  @Test
  void plaintextToATlsAgentNamesTheAgentsVariable() {
    String url = "localhost:" + tlsAgent.getPort();
    CliRun.Result r = result(Map.of("AGENT_GRPC_URL", url));
    assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.UNREACHABLE);
    assertThat(r.errLines())
        .containsExactly(
            "❌ Failed to connect to agent: agent unreachable at "
                + url
                + ": the connection was closed (the agent stopped, or it uses TLS: then set"
                + " AGENT_GRPC_SERVER_CA_CERTS): agent service is unavailable");
  }

  @Test
  void anUnreachableAgentWithoutTlsIsSaidOfTheAgent() {
    String url = closedUrl();
    CliRun.Result r = result(Map.of("AGENT_GRPC_URL", url));
    assertThat(r.code()).isEqualTo(ExitCode.UNREACHABLE);
    assertThat(r.errLines())
        .containsExactly(
            "❌ Failed to connect to agent: agent unreachable at "
                + url
                + ": connection refused: agent service is unavailable");
  }

  @Test
  void theManagersVariablesDoNotReachTheAgent() {
    // They point at the live TLS agent with a CA that does not exist and a bad timeout: the agent
    // is still dialled at its own (closed) address, in plain text.
    String url = closedUrl();
    CliRun.Result r =
        result(
            Map.of(
                "AGENT_GRPC_URL",
                url,
                "MANAGER_GRPC_URL",
                "localhost:" + tlsAgent.getPort(),
                "MANAGER_GRPC_SERVER_CA_CERTS",
                "/nonexistent/ca.pem",
                "MANAGER_GRPC_TIMEOUT",
                "soon"));
    assertThat(r.errLines())
        .containsExactly(
            "❌ Failed to connect to agent: agent unreachable at "
                + url
                + ": connection refused: agent service is unavailable");
  }

  @Test
  void theAgentsVariablesDoNotReachTheManager() {
    String url = closedUrl();
    CliRun.Result r =
        new CliRun(
                Map.of(
                    "MANAGER_GRPC_URL",
                    url,
                    "AGENT_GRPC_URL",
                    "localhost:" + tlsAgent.getPort(),
                    "AGENT_GRPC_SERVER_CA_CERTS",
                    "/nonexistent/ca.pem",
                    "AGENT_GRPC_TIMEOUT",
                    "soon"),
                dir)
            .run("list-vms");
    assertThat(r.code()).isEqualTo(ExitCode.UNREACHABLE);
    assertThat(r.errLines())
        .containsExactly("❌ manager unreachable at " + url + ": connection refused");
  }
}
