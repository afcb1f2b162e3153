package io.cocos.cli.commands;

import io.cocos.cli.CliContext;
import io.cocos.cli.ExitCode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Upstream's `attestation` group; only `get` (the raw report, unverified) is offered here. */
@Command(
    name = "attestation",
    description = {"Get attestations from the agent of a CVM.", ""},
    subcommands = {AttestationGetCommand.class})
public final class AttestationCommand implements Callable<Integer> {
  private final CliContext ctx;
  @Mixin HelpOption help;
  @Spec CommandSpec spec;

  public AttestationCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(ctx.out());
    return ExitCode.OK;
  }
}
