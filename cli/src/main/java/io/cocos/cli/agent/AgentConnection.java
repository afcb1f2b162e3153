package io.cocos.cli.agent;

import io.cocos.cli.CliContext;
import io.cocos.cli.CliException;
import io.cocos.cli.ExitCode;
import io.cocos.cli.grpc.GrpcClientConfig;
import io.cocos.cli.grpc.GrpcConnection;
import io.cocos.cli.grpc.GrpcPeer;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.util.Locale;

/**
 * A channel to the agent, configured from the AGENT_GRPC_* variables of upstream's cocos-cli
 * (AttestedClientConfig).
 */
public final class AgentConnection implements AutoCloseable {
  public static final String ATTESTED_TLS = GrpcPeer.AGENT.variable("ATTESTED_TLS");

  /** What attested TLS would need, said once, in place of any connection. */
  public static final String NO_ATTESTED_TLS =
      "attested TLS needs a verifier of the agent's attestation report, which this build of"
          + " cocos-cli does not have; unset "
          + ATTESTED_TLS
          + " (and drop --attested-tls) to connect with TLS, mTLS or in plain text";

  private final GrpcConnection connection;

  private AgentConnection(GrpcConnection connection) {
    this.connection = connection;
  }

  /**
   * Opens the channel and, without TLS, checks the agent's health as upstream's client does.
   *
   * @param attestedTlsFlag --attested-tls was given
   */
  public static AgentConnection open(CliContext ctx, boolean attestedTlsFlag) {
    if (attestedTlsFlag || attestedTlsRequested(ctx)) {
      throw new CliException(ExitCode.LOCAL, NO_ATTESTED_TLS);
    }
    GrpcConnection connection =
        GrpcConnection.open(ctx, GrpcClientConfig.fromEnv(ctx, GrpcPeer.AGENT));
    AgentConnection agent = new AgentConnection(connection);
    if (!connection.config().tls()) {
      try {
        agent.checkHealth();
      } catch (RuntimeException e) {
        agent.close();
        throw e;
      }
    }
    return agent;
  }

  private static boolean attestedTlsRequested(CliContext ctx) {
    String v = ctx.getenv(ATTESTED_TLS);
    if (v == null) {
      return false;
    }
    return switch (v.strip().toLowerCase(Locale.ROOT)) {
      case "1", "t", "true" -> true;
      case "0", "f", "false" -> false;
      default ->
          throw new CliException(
              ExitCode.LOCAL, ATTESTED_TLS + " \"" + v + "\" is not true or false");
    };
  }

  private void checkHealth() {
    HealthGrpc.HealthBlockingStub health =
        connection.withTimeout(HealthGrpc.newBlockingStub(connection.channel()));
    HealthCheckResponse.ServingStatus status;
    try {
      status =
          health.check(HealthCheckRequest.newBuilder().setService("agent").build()).getStatus();
    } catch (StatusRuntimeException e) {
      throw new CliException(
          AgentErrors.exitCode(e),
          "Failed to connect to agent: "
              + AgentErrors.describe(e, connection.config())
              + ": agent service is unavailable");
    }
    if (status != HealthCheckResponse.ServingStatus.SERVING) {
      throw new CliException(
          ExitCode.UNREACHABLE,
          "Failed to connect to agent: agent service is unavailable (health: " + status + ")");
    }
  }

  /** The agent's address, timeout and TLS files. */
  public GrpcClientConfig config() {
    return connection.config();
  }

  /** "without TLS", "with TLS" or "with mTLS". */
  public String mode() {
    return connection.mode();
  }

  public ManagedChannel channel() {
    return connection.channel();
  }

  @Override
  public void close() {
    connection.close();
  }
}
