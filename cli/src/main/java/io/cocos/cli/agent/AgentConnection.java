package io.cocos.cli.agent;

import io.cocos.cli.CliContext;
import io.cocos.cli.CliException;
import io.cocos.cli.ExitCode;
import io.cocos.cli.manager.ManagerClientConfig;
import io.cocos.cli.manager.ManagerConnection;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A channel to the agent, configured from the AGENT_GRPC_* variables of upstream's cocos-cli
 * (AttestedClientConfig). The TLS and channel set-up is the manager connection's: the agent's
 * variables are handed to it under the names it reads, and its messages are given back the agent's
 * names.
 */
public final class AgentConnection implements AutoCloseable {
  public static final String PREFIX = "AGENT_GRPC_";
  public static final String ATTESTED_TLS = PREFIX + "ATTESTED_TLS";
  private static final String MANAGER_PREFIX = "MANAGER_GRPC_";

  /** What attested TLS would need, said once, in place of any connection. */
  public static final String NO_ATTESTED_TLS =
      "attested TLS needs a verifier of the agent's attestation report, which this build of"
          + " cocos-cli does not have; unset "
          + ATTESTED_TLS
          + " (and drop --attested-tls) to connect with TLS, mTLS or in plain text";

  private final ManagerConnection connection;

  private AgentConnection(ManagerConnection connection) {
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
    CliContext asManager = renamed(ctx);
    ManagerConnection connection;
    try {
      connection = ManagerConnection.open(asManager, ManagerClientConfig.fromEnv(asManager));
    } catch (CliException e) {
      throw new CliException(e.exitCode(), agentNames(e.getMessage()), e);
    }
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

  /** The same context with each AGENT_GRPC_* variable also under its MANAGER_GRPC_* name. */
  private static CliContext renamed(CliContext ctx) {
    Map<String, String> env = new HashMap<>();
    ctx.env()
        .forEach(
            (k, v) -> {
              if (!k.startsWith(MANAGER_PREFIX)) {
                env.put(k, v);
              }
            });
    ctx.env()
        .forEach(
            (k, v) -> {
              if (k.startsWith(PREFIX)) {
                env.put(MANAGER_PREFIX + k.substring(PREFIX.length()), v);
              }
            });
    return new CliContext(
        env,
        ctx.workDir(),
        ctx.out(),
        ctx.outBytes(),
        ctx.err(),
        ctx.outIsTerminal(),
        ctx.errIsTerminal(),
        ctx.clock());
  }

  static String agentNames(String message) {
    return message.replace(MANAGER_PREFIX, PREFIX);
  }

  private void checkHealth() {
    ManagerClientConfig config = connection.config();
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(connection.channel());
    if (!config.timeout().isZero()) {
      health = health.withDeadlineAfter(config.timeout().toNanos(), TimeUnit.NANOSECONDS);
    }
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

  /** The agent's address and TLS files, under the manager connection's names. */
  public ManagerClientConfig config() {
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
