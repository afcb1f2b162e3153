package io.cocos.cli.commands;

import picocli.CommandLine.Option;

/** -h/--help on subcommands (--version belongs to cocos-cli itself). */
public final class HelpOption {
  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help message and exit.")
  boolean help;
}
