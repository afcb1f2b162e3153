package io.cocos.cli.commands;

import io.cocos.cli.CliContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code policy}: attestation policies as CoRIM, made and checked locally (no manager needed). */
@Command(
    name = "policy",
    sortOptions = false,
    description = {"Create and check CoRIM attestation policies locally.", ""},
    subcommands = {CreateCorimCommand.class, VerifyCorimCommand.class})
public final class PolicyCommand extends CommandGroup {
  @Mixin HelpOption help;

  public PolicyCommand(CliContext ctx) {
    super(ctx);
  }
}
