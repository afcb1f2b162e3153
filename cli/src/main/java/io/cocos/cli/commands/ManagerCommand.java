package io.cocos.cli.commands;

import io.cocos.cli.CliContext;
import io.cocos.cli.grpc.GrpcClientConfig;
import io.cocos.cli.grpc.GrpcPeer;
import io.cocos.cli.manager.ManagerConnection;
import io.cocos.cli.manager.StatusMessages;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that talks to the manager. Subclasses implement {@link #run(ManagerConnection)}. */
@Command(sortOptions = false)
abstract class ManagerCommand implements Callable<Integer> {
  protected final CliContext ctx;
  @Mixin HelpOption help;
  @Spec protected CommandSpec spec;

  ManagerCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  protected PrintWriter out() {
    return ctx.out();
  }

  /** Checks local input before anything is dialled (e.g. that PEM files can be read). */
  protected void prepare() {}

  /**
   * Runs with an open connection; gRPC failures thrown from here are put in words by the caller.
   */
  protected abstract int run(ManagerConnection manager);

  /**
   * Whether this command announces the connection on stdout as upstream's create-vm and remove-vm
   * do. Commands that print data keep stdout for the data.
   */
  protected boolean announceOnStdout() {
    return false;
  }

  @Override
  public final Integer call() {
    prepare();
    GrpcClientConfig config = GrpcClientConfig.fromEnv(ctx, GrpcPeer.MANAGER);
    try (ManagerConnection manager = ManagerConnection.open(ctx, config)) {
      if (announceOnStdout()) {
        out().println("🔗 Connected to manager using " + manager.mode());
      } else if (RootCommand.verbose(spec)) {
        ctx.err()
            .println("🔗 Connected to manager using " + manager.mode() + " at " + config.url());
      }
      try {
        return run(manager);
      } catch (StatusRuntimeException e) {
        throw StatusMessages.describe(e, config);
      }
    }
  }
}
