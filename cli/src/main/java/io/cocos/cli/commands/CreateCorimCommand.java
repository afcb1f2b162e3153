package io.cocos.cli.commands;

import io.cocos.cli.CliContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code policy create-corim}: the group of snp and tdx. */
@Command(
    name = "create-corim",
    sortOptions = false,
    description = {
      "Create a CoRIM attestation policy (CBOR), signed with --signing-key.",
      "",
      "The CoRIM the manager returns with MANAGER_ATTESTATION_POLICY_FORMAT=corim, from values given here.",
      ""
    },
    subcommands = {SnpCorimCommand.class, TdxCorimCommand.class})
public final class CreateCorimCommand extends CommandGroup {
  @Mixin HelpOption help;

  public CreateCorimCommand(CliContext ctx) {
    super(ctx);
  }
}
