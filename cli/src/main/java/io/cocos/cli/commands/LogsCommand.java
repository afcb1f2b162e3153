package io.cocos.cli.commands;

import io.cocos.cli.CliContext;
import io.cocos.cli.ExitCode;
import io.cocos.cli.Json;
import io.cocos.cli.manager.ManagerConnection;
import io.cocos.manager.api.LogLine;
import io.cocos.manager.api.ManagerServiceGrpc;
import io.cocos.manager.api.StreamLogsReq;
import java.io.PrintWriter;
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
  /** The request's tail is a uint32. */
  private static final long MAX_TAIL = 0xFFFF_FFFFL;

  @Parameters(paramLabel = "<cvm_id>", description = "Id of the CVM.")
  String cvmId;

  @Option(names = {"-f", "--follow"}, description = "Keep printing new lines until the CVM ends.")
  boolean follow;

  @Option(names = {"-n", "--tail"}, paramLabel = "N", defaultValue = "100",
      description = "Lines from before the call to show first (default: ${DEFAULT-VALUE}; at most 4294967295, "
          + "which means all of them).")
  long tail;

  @Option(names = "--json", description = "Print each line as a JSON object (LogLine: cvmId, line, skippedBytes).")
  boolean json;

  public LogsCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  protected void prepare() {
    if (tail < 0 || tail > MAX_TAIL) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--tail must be from 0 to " + MAX_TAIL);
    }
  }

  @Override
  protected int run(ManagerConnection manager) {
    // Following has no deadline: it lasts as long as the CVM or the user wants.
    ManagerServiceGrpc.ManagerServiceBlockingStub stub =
        follow ? ManagerServiceGrpc.newBlockingStub(manager.channel()) : manager.stub();
    // Batches: many lines per message, printed with one flush each (stdout flushes by itself only
    // on println), so the whole console goes at the speed of the stream, and a follower still sees
    // each batch as soon as it arrives.
    Iterator<LogLine> batches = stub.streamLogs(StreamLogsReq.newBuilder().setCvmId(cvmId)
        .setTail((int) tail) /* a uint32's bits: values past 2^31 go as negative ints */
        .setFollow(follow).setBatch(true).build());
    PrintWriter out = out();
    while (batches.hasNext()) {
      LogLine batch = batches.next();
      if (json) {
        printJson(out, batch);
      } else {
        if (batch.getSkippedBytes() > 0) {
          out.flush();
          ctx.err().println("… " + batch.getSkippedBytes() + " bytes of console skipped: this reader fell behind");
        }
        for (String line : batch.getLinesList()) {
          out.write(line);
          out.write('\n');
        }
      }
      out.flush();
    }
    return ExitCode.OK;
  }

  /** One JSON object per console line, as the one-line-per-message form of the API has it. */
  private static void printJson(PrintWriter out, LogLine batch) {
    long skipped = batch.getSkippedBytes();
    for (String line : batch.getLinesList()) {
      out.write(Json.printCompact(LogLine.newBuilder().setCvmId(batch.getCvmId()).setLine(line)
          .setSkippedBytes(skipped).build(), "lines"));
      out.write('\n');
      skipped = 0;
    }
  }
}
