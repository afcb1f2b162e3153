package io.cocos.cli.commands;

import io.cocos.cli.CliContext;
import io.cocos.cli.ExitCode;
import io.cocos.cli.Json;
import io.cocos.cli.manager.ManagerConnection;
import io.cocos.manager.api.LogLine;
import io.cocos.manager.api.ManagerServiceGrpc;
import io.cocos.manager.api.StreamLogsReq;
import java.util.Iterator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "logs",
    description = {"Show a CVM's console (QEMU's output).", "",
        "The last lines, then with -f new lines as they come, until the CVM ends or Ctrl-C.", ""},
    footerHeading = "%nExamples:%n",
    footer = {"  cocos-cli logs e71cdcf5-21c0-4e1d-9471-ac6b4389d5f3",
        "  cocos-cli logs -f --tail 0 e71cdcf5-21c0-4e1d-9471-ac6b4389d5f3"})
public final class LogsCommand extends ManagerCommand {
  @Parameters(paramLabel = "<cvm_id>", description = "Id of the CVM.")
  String cvmId;

  @Option(names = {"-f", "--follow"}, description = "Keep printing new lines until the CVM ends.")
  boolean follow;

  @Option(names = {"-n", "--tail"}, paramLabel = "N", defaultValue = "100",
      description = "Lines from before the call to show first (default: ${DEFAULT-VALUE}).")
  int tail;

  @Option(names = "--json", description = "Print each line as a JSON object (LogLine).")
  boolean json;

  public LogsCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  protected void prepare() {
    if (tail < 0) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--tail must be 0 or more");
    }
  }

  @Override
  protected int run(ManagerConnection manager) {
    // Following has no deadline: it lasts as long as the CVM or the user wants.
    ManagerServiceGrpc.ManagerServiceBlockingStub stub =
        follow ? ManagerServiceGrpc.newBlockingStub(manager.channel()) : manager.stub();
    Iterator<LogLine> lines =
        stub.streamLogs(StreamLogsReq.newBuilder().setCvmId(cvmId).setTail(tail).setFollow(follow).build());
    while (lines.hasNext()) {
      LogLine line = lines.next();
      if (json) {
        out().println(Json.printCompact(line));
        continue;
      }
      if (line.getSkippedBytes() > 0) {
        ctx.err().println("… " + line.getSkippedBytes() + " bytes of console skipped: this reader fell behind");
      }
      out().println(line.getLine());
      out().flush();
    }
    return ExitCode.OK;
  }
}
