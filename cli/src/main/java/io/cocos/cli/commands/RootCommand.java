package io.cocos.cli.commands;

import io.cocos.cli.CliContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

@Command(
    name = "cocos-cli",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = {
      "Command-line client of the Cocos manager, which runs confidential VMs (CVMs).",
      ""
    },
    subcommands = {
      CreateVmCommand.class,
      RemoveVmCommand.class,
      ListVmsCommand.class,
      CvmInfoCommand.class,
      HostInfoCommand.class,
      AttestationPolicyCommand.class,
      LogsCommand.class,
      EventsCommand.class,
      MeasureCommand.class,
      PolicyCommand.class,
      KeysCommand.class,
      AlgoCommand.class,
      DataCommand.class,
      ResultCommand.class,
      AttestationCommand.class,
      CompletionCommand.class,
      HelpCommand.class
    },
    footerHeading = "%nEnvironment:%n",
    footer = {
      "  MANAGER_GRPC_URL              manager, host:port (default localhost:7001)",
      "  MANAGER_GRPC_TIMEOUT          deadline of each call (Go duration, default 60s)",
      "  MANAGER_GRPC_SERVER_CA_CERTS  CA bundle the manager's certificate must chain",
      "                                to: TLS",
      "  MANAGER_GRPC_CLIENT_CERT      client certificate and key (PEM): mTLS",
      "  MANAGER_GRPC_CLIENT_KEY",
      "  NO_COLOR                      set: no colours (used on terminals only)",
      "",
      "Examples:",
      "  export MANAGER_GRPC_URL=localhost:7001",
      "  cocos-cli create-vm --log-level debug --server-url 192.168.1.100:7001",
      "  cocos-cli list-vms",
      "  cocos-cli remove-vm e71cdcf5-21c0-4e1d-9471-ac6b4389d5f3",
      "  cocos-cli keys -k ecdsa"
    })
public final class RootCommand extends CommandGroup {

  @Option(
      names = {"-v", "--verbose"},
      scope = ScopeType.INHERIT,
      description =
          "Say on stderr how the manager is reached; show stack traces of unexpected errors.")
  boolean verbose;

  /** As upstream, the bare command prints the help. */
  public RootCommand(CliContext ctx) {
    super(ctx);
  }

  /** Whether -v was given, on any command. */
  public static boolean verbose(CommandSpec spec) {
    return spec.root().userObject() instanceof RootCommand r && r.verbose;
  }
}
