package io.cocos.cli.commands;

import io.cocos.cli.CliContext;
import io.cocos.cli.CliException;
import io.cocos.cli.ExitCode;
import io.cocos.cli.Files2;
import io.cocos.cli.agent.AgentConnection;
import io.cocos.cli.agent.AgentErrors;
import io.cocos.cli.agent.UserKeys;
import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A command that talks to the agent of a CVM (algo, data, result), as upstream's cocos-cli does:
 * AGENT_GRPC_* variables, a health check, and the caller's role signed with their private key. Any
 * failure is one "❌" line and a non-zero exit (upstream prints it and exits 0).
 */
@Command(sortOptions = false)
abstract class AgentCommand implements Callable<Integer> {
  /** The variables every agent command reads: the last line of each command's help footer. */
  static final String ENVIRONMENT =
      "%nEnvironment:%n"
          + "  AGENT_GRPC_URL                agent, host:port (default localhost:7001)%n"
          + "  AGENT_GRPC_SERVER_CA_CERTS    CA the agent's certificate must chain to: TLS%n"
          + "  AGENT_GRPC_CLIENT_CERT, _KEY  client certificate and key (PEM): mTLS%n"
          + "  AGENT_GRPC_TIMEOUT            deadline of the health check (default 60s)%n"
          + "  AGENT_GRPC_ATTESTED_TLS       true: refused, as --attested-tls";

  static final String KEY_LABEL = "<private_key_file_path>";
  static final String KEY_DESCRIPTION =
      "Your private key (PEM: RSA, ECDSA or Ed25519, as cocos-cli keys writes it).";

  static final String ENV_TLS =
      "  AGENT_GRPC_SERVER_CA_CERTS    CA the agent's certificate must chain to: TLS";
  static final String ENV_MTLS =
      "  AGENT_GRPC_CLIENT_CERT, _KEY  client certificate and key (PEM): mTLS";
  static final String ENV_TIMEOUT =
      "  AGENT_GRPC_TIMEOUT            deadline of the health check (default 60s)";
  static final String ENV_ATTESTED =
      "  AGENT_GRPC_ATTESTED_TLS       true: refused, as --attested-tls";
  static final Metadata.Key<String> USER_ID = metadataKey("user-id");
  static final Metadata.Key<String> SIGNATURE = metadataKey("signature");

  protected final CliContext ctx;
  @Mixin HelpOption help;
  @Spec protected CommandSpec spec;

  /** The caller's key, read by {@link #prepare()} with {@link #privateKey(CliContext, String)}. */
  protected PrivateKey key;

  @Option(
      names = "--attested-tls",
      description =
          "Connect with attested TLS (as AGENT_GRPC_ATTESTED_TLS=true). Not available in this"
              + " build: refused with a message, never downgraded.")
  boolean attestedTls;

  AgentCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  protected PrintWriter out() {
    return ctx.out();
  }

  /** The role whose signature the agent checks for this command; null: none is sent. */
  protected abstract String role();

  /** Reads and checks local files before anything is dialled. */
  protected abstract void prepare();

  /** Runs the call; metadata carries user-id and signature, the command adds its own. */
  protected abstract void run(AgentConnection agent, Metadata metadata)
      throws IOException, InterruptedException;

  /** The private key named by a positional argument, decoded as upstream decodes it. */
  protected static PrivateKey privateKey(CliContext ctx, String path) {
    byte[] pem;
    try {
      pem = Files.readAllBytes(ctx.resolve(path));
    } catch (IOException e) {
      throw new CliException(
          ExitCode.LOCAL, "Error reading private key file: " + path + ": " + Files2.reason(e));
    }
    try {
      return UserKeys.decode(pem);
    } catch (GeneralSecurityException e) {
      throw new CliException(ExitCode.LOCAL, "Error decoding private key: " + e.getMessage());
    }
  }

  protected Path readableFile(String what, String path) {
    Path file = ctx.resolve(path);
    if (!Files.isReadable(file)) {
      throw new CliException(
          ExitCode.LOCAL,
          what
              + ": open "
              + path
              + ": "
              + (Files.exists(file) ? "permission denied" : "no such file or directory"));
    }
    return file;
  }

  /** What to say when the call fails, before the agent's reason. */
  protected abstract String failure();

  static Metadata.Key<String> metadataKey(String name) {
    return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
  }

  @Override
  public final Integer call() throws InterruptedException {
    prepare();
    Metadata metadata = new Metadata();
    if (role() != null) { // attestation needs no user
      metadata.put(USER_ID, role());
      try {
        metadata.put(SIGNATURE, UserKeys.signRole(key, role()));
      } catch (GeneralSecurityException e) {
        throw new CliException(ExitCode.LOCAL, failure() + e.getMessage());
      }
    }
    try (AgentConnection agent = AgentConnection.open(ctx, attestedTls)) {
      out().println("🔗 Connected to agent " + agent.mode());
      try {
        run(agent, metadata);
      } catch (StatusRuntimeException e) {
        throw new CliException(
            AgentErrors.exitCode(e), failure() + AgentErrors.describe(e, agent.config()));
      } catch (IOException e) {
        throw new CliException(ExitCode.LOCAL, failure() + Files2.reason(e));
      }
    }
    return ExitCode.OK;
  }

  static ClientInterceptor headers(Metadata metadata) {
    return MetadataUtils.newAttachHeadersInterceptor(metadata);
  }
}
