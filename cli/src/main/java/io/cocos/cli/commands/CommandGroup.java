package io.cocos.cli.commands;

import io.cocos.cli.CliContext;
import io.cocos.cli.ExitCode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that groups others: run bare, it prints its usage (as upstream's cocos-cli does). */
abstract class CommandGroup implements Callable<Integer> {
  @Spec CommandSpec spec;
  final CliContext ctx;

  CommandGroup(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(ctx.out());
    return ExitCode.OK;
  }
}
