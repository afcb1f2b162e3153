package io.cocos.cli.commands;

import io.cocos.agent.api.AgentServiceGrpc;
import io.cocos.agent.api.AlgoRequest;
import io.cocos.agent.api.AlgoResponse;
import io.cocos.cli.CliContext;
import io.cocos.cli.agent.AgentConnection;
import io.cocos.cli.agent.Uploads;
import io.grpc.Metadata;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "algo",
    description = {
      "Upload an algorithm binary.",
      "",
      "Sends the algorithm (and its Python requirements) to the agent of a CVM, signed as the"
          + " algorithm provider: the agent accepts it only if its SHA3-256 hash and your key are"
          + " the computation manifest's.",
      ""
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  export AGENT_GRPC_URL=localhost:6100",
      "  cocos-cli algo ./build/addition private.pem",
      "  cocos-cli algo lin_reg.py private.pem -a python -r requirements.txt",
      AgentCommand.ENVIRONMENT
    })
public final class AlgoCommand extends AgentCommand {
  static final Metadata.Key<String> ALGO_TYPE = metadataKey("algo_type");
  static final Metadata.Key<String> ALGO_ARGS = metadataKey("algo_args");
  static final Metadata.Key<String> PYTHON_RUNTIME = metadataKey("python_runtime");

  @Parameters(index = "0", paramLabel = "<algo_file>", description = "The algorithm.")
  String algorithmFile;

  @Parameters(
      index = "1",
      paramLabel = AgentCommand.KEY_LABEL,
      description = AgentCommand.KEY_DESCRIPTION)
  String keyFile;

  @Option(
      names = {"-a", "--algorithm"},
      defaultValue = "bin",
      description = "Algorithm type to run (default: ${DEFAULT-VALUE}).")
  String algoType;

  @Option(
      names = "--python-runtime",
      defaultValue = "python3",
      description = "Python runtime to use (default: ${DEFAULT-VALUE}).")
  String pythonRuntime;

  @Option(
      names = {"-r", "--requirements"},
      paramLabel = "FILE",
      description = "Python requirements file.")
  String requirementsFile;

  @Option(
      names = "--args",
      paramLabel = "ARG",
      description = "Argument to pass to the algorithm; repeatable.")
  List<String> algoArgs = new ArrayList<>();

  private Path algorithm;
  private Path requirements;

  public AlgoCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  protected String role() {
    return "algorithm-provider";
  }

  @Override
  protected String failure() {
    return "Failed to upload algorithm due to error: ";
  }

  @Override
  protected void prepare() {
    out().println("Uploading algorithm file: " + algorithmFile);
    algorithm = readableFile("Error reading algorithm file", algorithmFile);
    if (requirementsFile != null && !requirementsFile.isEmpty()) {
      requirements = readableFile("Error reading requirments file", requirementsFile);
    }
    key = privateKey(ctx, keyFile);
  }

  @Override
  protected void run(AgentConnection agent, Metadata metadata)
      throws IOException, InterruptedException {
    metadata.put(ALGO_TYPE, algoType);
    for (String arg : algoArgs) {
      metadata.put(ALGO_ARGS, arg);
    }
    metadata.put(PYTHON_RUNTIME, pythonRuntime);
    AgentServiceGrpc.AgentServiceStub stub =
        AgentServiceGrpc.newStub(agent.channel()).withInterceptors(headers(metadata));
    Uploads.Sender<AlgoRequest> sender = Uploads.<AlgoRequest, AlgoResponse>start(stub::algo);
    try {
      if (requirements != null) { // requirements first, as upstream
        sender.sendFile(requirements, b -> AlgoRequest.newBuilder().setRequirements(b).build());
      }
      sender.sendFile(algorithm, b -> AlgoRequest.newBuilder().setAlgorithm(b).build());
    } catch (IOException e) {
      sender.cancel("cannot read a local file", e);
      throw e;
    }
    sender.finish();
    out().println(ctx.outStyle().green("Successfully uploaded algorithm! ✔ "));
  }
}
