package io.cocos.cli.grpc;

/**
 * A gRPC server cocos-cli talks to, and the environment variables that configure the connection to
 * it, as upstream's cocos-cli reads them (env prefixes MANAGER_GRPC_ and AGENT_GRPC_). Messages
 * take the peer's name and variable names from here, so each peer's are its own.
 *
 * @param name how messages call the peer: "manager unreachable at ..."
 * @param variablePrefix prefix of the peer's variables, e.g. "MANAGER_GRPC_"
 * @param defaultUrl host:port used when the URL variable is unset
 */
public record GrpcPeer(String name, String variablePrefix, String defaultUrl) {
  public static final GrpcPeer MANAGER = new GrpcPeer("manager", "MANAGER_GRPC_", "localhost:7001");

  /** Upstream's AttestedClientConfig embeds StandardClientConfig, hence the manager's default. */
  public static final GrpcPeer AGENT = new GrpcPeer("agent", "AGENT_GRPC_", "localhost:7001");

  /** The peer's variable with this suffix, e.g. AGENT_GRPC_ATTESTED_TLS. */
  public String variable(String suffix) {
    return variablePrefix + suffix;
  }

  public String urlVariable() {
    return variable("URL");
  }

  public String timeoutVariable() {
    return variable("TIMEOUT");
  }

  public String clientCertVariable() {
    return variable("CLIENT_CERT");
  }

  public String clientKeyVariable() {
    return variable("CLIENT_KEY");
  }

  public String serverCaVariable() {
    return variable("SERVER_CA_CERTS");
  }
}
