package io.cocos.cli;

import io.cocos.cli.commands.CompletionCommand;
import io.cocos.cli.commands.RootCommand;
import java.io.PrintWriter;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IFactory;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * cocos-cli: the manager's command-line client. {@link #execute} runs one command line against a
 * {@link CliContext} and returns the exit code; {@link #main} binds it to the real process.
 */
public final class CocosCli {
  private static volatile boolean finished;

  private CocosCli() {}

  public static void main(String[] args) {
    // grpc-java and Netty log through java.util.logging to stderr; stderr is ours ("❌ ..." only).
    LogManager.getLogManager().reset();
    Logger.getLogger("").setLevel(Level.OFF);
    // Netty 4.2 registers JFR events at start-up, which loads JFR (~100 classes, tens of ms).
    if (System.getProperty("io.netty.jfr.enabled") == null) {
      System.setProperty("io.netty.jfr.enabled", "false");
    }
    CliContext ctx = CliContext.system();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  if (!finished) { // Ctrl-C or SIGTERM while a command runs
                    Spinner.eraseActive();
                    ctx.err().println();
                    ctx.err().println(ctx.errStyle().red("❌ Operation aborted by user"));
                    ctx.err().flush();
                  }
                },
                "abort-message"));
    int code = execute(ctx, args);
    finished = true;
    ctx.out().flush();
    ctx.err().flush();
    System.exit(code);
  }

  /** Runs one command line; never throws, never exits. */
  public static int execute(CliContext ctx, String... args) {
    return commandLine(ctx).execute(args);
  }

  /** The command tree bound to ctx, with our output, colours, error handlers and help sections. */
  public static CommandLine commandLine(CliContext ctx) {
    CommandLine cl = new CommandLine(new RootCommand(ctx), new Factory(ctx));
    cl.setOut(ctx.out());
    cl.setErr(ctx.err());
    cl.setColorScheme(
        Help.defaultColorScheme(ctx.outStyle().enabled() ? Help.Ansi.ON : Help.Ansi.OFF));
    cl.setParameterExceptionHandler(new UsageErrors(ctx));
    cl.setExecutionExceptionHandler(new Failures(ctx));
    cl.setExitCodeExceptionMapper(t -> ExitCode.FAILURE);
    addExitCodes(cl);
    return cl;
  }

  private static void addExitCodes(CommandLine cl) {
    if (cl.getCommandSpec().userObject() instanceof CompletionCommand) {
      return;
    }
    cl.getCommandSpec()
        .usageMessage()
        .exitCodeListHeading("%nExit codes:%n")
        .exitCodeList(ExitCode.helpList());
    for (CommandLine sub : cl.getSubcommands().values()) {
      addExitCodes(sub);
    }
  }

  /** Commands get the context through their constructor. */
  private record Factory(CliContext ctx) implements IFactory {
    @Override
    public <K> K create(Class<K> cls) throws Exception {
      try {
        return cls.getDeclaredConstructor(CliContext.class).newInstance(ctx);
      } catch (NoSuchMethodException e) {
        return CommandLine.defaultFactory().create(cls);
      }
    }
  }

  /**
   * Usage errors: "❌ what is wrong", a suggestion if picocli has one, a pointer to --help; exit 2.
   */
  private record UsageErrors(CliContext ctx) implements IParameterExceptionHandler {
    @Override
    public int handleParseException(ParameterException ex, String[] args) {
      CommandLine cmd = ex.getCommandLine();
      PrintWriter err = ctx.err();
      err.println(ctx.errStyle().red("❌ " + ex.getMessage()));
      UnmatchedArgumentException.printSuggestions(ex, err);
      err.println("Run '" + cmd.getCommandSpec().qualifiedName() + " --help' for usage.");
      err.flush();
      return ExitCode.USAGE;
    }
  }

  /** Failures while a command runs: one "❌" line on stderr, never a stack trace (unless -v). */
  private record Failures(CliContext ctx) implements IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parsed) {
      PrintWriter err = ctx.err();
      int code;
      String message;
      if (ex instanceof CliException c) {
        code = c.exitCode();
        message = c.getMessage();
      } else {
        code = ExitCode.FAILURE;
        message = "unexpected error: " + ex;
      }
      // Whatever was half-written on stdout (a spinner) is finished before the error appears.
      ctx.out().flush();
      err.println(ctx.errStyle().red("❌ " + message));
      if (code == ExitCode.FAILURE && RootCommand.verbose(cmd.getCommandSpec())) {
        ex.printStackTrace(err);
      }
      err.flush();
      return code;
    }
  }
}
