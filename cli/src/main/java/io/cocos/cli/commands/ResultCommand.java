package io.cocos.cli.commands;

import io.cocos.agent.api.AgentServiceGrpc;
import io.cocos.agent.api.ResultRequest;
import io.cocos.agent.api.ResultResponse;
import io.cocos.cli.CliContext;
import io.cocos.cli.CliException;
import io.cocos.cli.ExitCode;
import io.cocos.cli.Files2;
import io.cocos.cli.agent.AgentConnection;
import io.grpc.Metadata;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "result",
    description = {
      "Retrieve computation result file.",
      "",
      "Downloads the result of the computation from the agent of a CVM, signed as a result"
          + " consumer; by default into results.zip in the current directory.",
      ""
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  export AGENT_GRPC_URL=localhost:6100",
      "  cocos-cli result private.pem",
      "  cocos-cli result private.pem --filename my_results.zip --output-dir results/",
      AgentCommand.ENVIRONMENT
    })
public final class ResultCommand extends AgentCommand {
  @Parameters(
      index = "0",
      paramLabel = AgentCommand.KEY_LABEL,
      description = AgentCommand.KEY_DESCRIPTION)
  String keyFile;

  @Option(
      names = {"-o", "--output-dir"},
      paramLabel = "DIR",
      description = "Directory where the result file will be saved.")
  String outputDir;

  @Option(
      names = {"-f", "--filename"},
      defaultValue = "results.zip",
      description = "Name of the result file (default: ${DEFAULT-VALUE}).")
  String filename;

  private Path target;

  public ResultCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  protected String role() {
    return "consumer";
  }

  @Override
  protected String failure() {
    return "Error retrieving computation result: ";
  }

  @Override
  protected void prepare() {
    out().println("⏳ Retrieving computation result file");
    key = privateKey(ctx, keyFile);
    Path dir = outputDir == null || outputDir.isEmpty() ? ctx.workDir() : ctx.resolve(outputDir);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new CliException(
          ExitCode.LOCAL,
          "Error creating output directory: " + outputDir + ": " + Files2.reason(e));
    }
    target = dir.resolve(filename).toAbsolutePath().normalize();
  }

  /** Written beside the target and moved there whole: a failed download leaves no partial file. */
  @Override
  protected void run(AgentConnection agent, Metadata metadata) throws IOException {
    Path partial = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".part");
    try {
      Iterator<ResultResponse> chunks =
          AgentServiceGrpc.newBlockingStub(agent.channel())
              .withInterceptors(headers(metadata))
              .result(ResultRequest.getDefaultInstance());
      try (OutputStream file = Files.newOutputStream(partial)) {
        while (chunks.hasNext()) {
          chunks.next().getFile().writeTo(file);
        }
      }
      Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(partial);
    }
    out().println(ctx.outStyle().green("Computation result retrieved and saved successfully! ✔"));
    out().println("📁 Location: " + target);
  }
}
