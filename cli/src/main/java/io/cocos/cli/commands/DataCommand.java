package io.cocos.cli.commands;

import io.cocos.agent.api.AgentServiceGrpc;
import io.cocos.agent.api.DataRequest;
import io.cocos.agent.api.DataResponse;
import io.cocos.cli.CliContext;
import io.cocos.cli.CliException;
import io.cocos.cli.ExitCode;
import io.cocos.cli.agent.AgentConnection;
import io.cocos.cli.agent.Uploads;
import io.grpc.Metadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "data",
    description = {
      "Upload a dataset.",
      "",
      "Sends a dataset file to the agent of a CVM, signed as a data provider: the agent accepts it"
          + " only if its SHA3-256 hash and your key are in the computation manifest.",
      ""
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  export AGENT_GRPC_URL=localhost:6100",
      "  cocos-cli data datasets/iris.csv private.pem",
      "  cocos-cli data datasets.zip private.pem --decompress",
      AgentCommand.ENVIRONMENT
    })
public final class DataCommand extends AgentCommand {
  static final Metadata.Key<String> DECOMPRESS = metadataKey("decompress");

  @Parameters(index = "0", paramLabel = "<dataset_path>", description = "The dataset file.")
  String datasetPath;

  @Parameters(
      index = "1",
      paramLabel = AgentCommand.KEY_LABEL,
      description = AgentCommand.KEY_DESCRIPTION)
  String keyFile;

  @Option(
      names = {"-d", "--decompress"},
      description = "Decompress the dataset on agent.")
  boolean decompress;

  private Path dataset;

  public DataCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  protected String role() {
    return "data-provider";
  }

  @Override
  protected String failure() {
    return "Failed to upload dataset due to error: ";
  }

  @Override
  protected void prepare() {
    out().println("Uploading dataset: " + datasetPath);
    dataset = readableFile("Error reading dataset file", datasetPath);
    if (Files.isDirectory(dataset)) {
      // upstream zips the directory with Go's archive/zip; the hash in the manifest is of that zip
      throw new CliException(
          ExitCode.LOCAL,
          "Error reading dataset file: "
              + datasetPath
              + " is a directory: zip it, put the zip's hash in the manifest and upload the zip"
              + " with --decompress");
    }
    key = privateKey(ctx, keyFile);
  }

  @Override
  protected void run(AgentConnection agent, Metadata metadata)
      throws IOException, InterruptedException {
    metadata.put(DECOMPRESS, Boolean.toString(decompress));
    String filename = dataset.getFileName().toString();
    AgentServiceGrpc.AgentServiceStub stub =
        AgentServiceGrpc.newStub(agent.channel()).withInterceptors(headers(metadata));
    Uploads.Sender<DataRequest> sender = Uploads.<DataRequest, DataResponse>start(stub::data);
    try {
      sender.sendFile(
          dataset, b -> DataRequest.newBuilder().setDataset(b).setFilename(filename).build());
    } catch (IOException e) {
      sender.cancel("cannot read a local file", e);
      throw e;
    }
    sender.finish();
    out().println(ctx.outStyle().green("Successfully uploaded dataset! ✔ "));
  }
}
