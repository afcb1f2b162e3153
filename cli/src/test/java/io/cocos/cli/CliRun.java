package io.cocos.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.logging.LogManager;

/** Runs cocos-cli in this JVM with an injected environment, directory and captured output. */
public final class CliRun {
  static {
    // As CocosCli.main does: grpc-java's java.util.logging warnings are not part of the output.
    LogManager.getLogManager().reset();
  }

  private final Map<String, String> env;
  private final Path workDir;
  private boolean terminal;
  private Clock clock = Clock.systemUTC();

  public CliRun(Map<String, String> env, Path workDir) {
    this.env = env;
    this.workDir = workDir;
  }

  /** Pretend stdout and stderr are terminals (spinner, colours). */
  public CliRun onTerminal() {
    this.terminal = true;
    return this;
  }

  public CliRun withClock(Clock clock) {
    this.clock = clock;
    return this;
  }

  public Result run(String... args) {
    return run(new StringWriter(), args);
  }

  /** Runs cocos-cli on another thread; what it prints can be read while it runs. */
  public Running start(String... args) {
    StringWriter out = new StringWriter();
    return new Running(out, CompletableFuture.supplyAsync(() -> run(out, args)));
  }

  private Result run(StringWriter out, String... args) {
    StringWriter err = new StringWriter();
    CliContext ctx =
        new CliContext(
            env,
            workDir,
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            terminal,
            terminal,
            clock);
    int code = CocosCli.execute(ctx, args);
    return new Result(code, out.toString(), err.toString());
  }

  /** A run still going: its stdout so far, and its result once it ends. */
  public record Running(StringWriter out, CompletableFuture<Result> result) {
    public List<String> outLines() {
      return out.toString().lines().toList();
    }
  }

  /** What one run left behind. */
  public record Result(int code, String out, String err) {
    public List<String> outLines() {
      return out.lines().toList();
    }

    public List<String> errLines() {
      return err.lines().toList();
    }

    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }
}
