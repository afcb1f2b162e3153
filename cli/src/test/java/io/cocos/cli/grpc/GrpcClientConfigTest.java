package io.cocos.cli.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cocos.cli.CliContext;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each peer's connection comes from its own variables, and its messages name them. */
class GrpcClientConfigTest {
  @TempDir Path dir;

  private static final Map<String, String> MANAGER_ONLY =
      Map.of(
          "MANAGER_GRPC_URL", "manager.example:7002",
          "MANAGER_GRPC_TIMEOUT", "5s",
          "MANAGER_GRPC_CLIENT_CERT", "/etc/cocos-manager/client.crt",
          "MANAGER_GRPC_CLIENT_KEY", "/etc/cocos-manager/client.key",
          "MANAGER_GRPC_SERVER_CA_CERTS", "/etc/cocos-manager/ca.pem");

  private static final Map<String, String> AGENT_ONLY =
      Map.of(
          "AGENT_GRPC_URL", "localhost:6100",
          "AGENT_GRPC_TIMEOUT", "7s",
          "AGENT_GRPC_CLIENT_CERT", "user.crt",
          "AGENT_GRPC_CLIENT_KEY", "user.key",
          "AGENT_GRPC_SERVER_CA_CERTS", "agent-ca.pem");

  private CliContext ctx(Map<String, String> env) {
    return new CliContext(
        env,
        dir,
        new PrintWriter(new StringWriter()),
        new PrintWriter(new StringWriter()),
        false,
        false,
        Clock.systemUTC());
  }

  @Test
  void variableNamesAreThePeersOwn() {
    assertThat(GrpcPeer.AGENT.urlVariable()).isEqualTo("AGENT_GRPC_URL");
    assertThat(GrpcPeer.AGENT.timeoutVariable()).isEqualTo("AGENT_GRPC_TIMEOUT");
    assertThat(GrpcPeer.AGENT.clientCertVariable()).isEqualTo("AGENT_GRPC_CLIENT_CERT");
    assertThat(GrpcPeer.AGENT.clientKeyVariable()).isEqualTo("AGENT_GRPC_CLIENT_KEY");
    assertThat(GrpcPeer.AGENT.serverCaVariable()).isEqualTo("AGENT_GRPC_SERVER_CA_CERTS");
    assertThat(GrpcPeer.MANAGER.serverCaVariable()).isEqualTo("MANAGER_GRPC_SERVER_CA_CERTS");
  }

  @Test
  void theManagersVariablesDoNotConfigureTheAgent() {
    GrpcClientConfig agent = GrpcClientConfig.fromEnv(ctx(MANAGER_ONLY), GrpcPeer.AGENT);
    assertThat(agent)
        .isEqualTo(
            new GrpcClientConfig(
                GrpcPeer.AGENT, "localhost:7001", Duration.ofSeconds(60), null, null, null));
    assertThat(agent.mode()).isEqualTo("without TLS");
  }

  @Test
  void theAgentsVariablesDoNotConfigureTheManager() {
    assertThat(GrpcClientConfig.fromEnv(ctx(AGENT_ONLY), GrpcPeer.MANAGER))
        .isEqualTo(
            new GrpcClientConfig(
                GrpcPeer.MANAGER, "localhost:7001", Duration.ofSeconds(60), null, null, null));
  }

  @Test
  void withBothSetEachPeerTakesItsOwn() {
    Map<String, String> both = new HashMap<>(MANAGER_ONLY);
    both.putAll(AGENT_ONLY);
    assertThat(GrpcClientConfig.fromEnv(ctx(both), GrpcPeer.AGENT))
        .isEqualTo(
            new GrpcClientConfig(
                GrpcPeer.AGENT,
                "localhost:6100",
                Duration.ofSeconds(7),
                "user.crt",
                "user.key",
                "agent-ca.pem"));
    assertThat(GrpcClientConfig.fromEnv(ctx(both), GrpcPeer.MANAGER))
        .isEqualTo(
            new GrpcClientConfig(
                GrpcPeer.MANAGER,
                "manager.example:7002",
                Duration.ofSeconds(5),
                "/etc/cocos-manager/client.crt",
                "/etc/cocos-manager/client.key",
                "/etc/cocos-manager/ca.pem"));
  }

  @Test
  void badValuesAreNamedByThePeersVariables() {
    assertThatThrownBy(
            () ->
                GrpcClientConfig.fromEnv(ctx(Map.of("AGENT_GRPC_TIMEOUT", "soon")), GrpcPeer.AGENT))
        .hasMessage("AGENT_GRPC_TIMEOUT \"soon\" is not a duration such as 60s or 1m30s");
    assertThatThrownBy(
            () -> GrpcClientConfig.fromEnv(ctx(Map.of("AGENT_GRPC_URL", "agent")), GrpcPeer.AGENT))
        .hasMessage("AGENT_GRPC_URL \"agent\" is not host:port (e.g. localhost:7001)");
    assertThatThrownBy(
            () ->
                GrpcClientConfig.fromEnv(
                    ctx(Map.of("AGENT_GRPC_CLIENT_KEY", "/etc/cocos-manager/user.key")),
                    GrpcPeer.AGENT))
        .hasMessage(
            "AGENT_GRPC_CLIENT_KEY is set but AGENT_GRPC_CLIENT_CERT is not: mTLS needs both");
  }
}
