package io.cocos.cli.commands;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.cocos.cli.CliContext;
import io.cocos.cli.ExitCode;
import io.cocos.cli.Json;
import io.cocos.cli.manager.ManagerConnection;
import io.cocos.manager.api.LogLine;
import io.cocos.manager.api.ManagerServiceGrpc;
import io.cocos.manager.api.RawBytesMarshaller;
import io.cocos.manager.api.StreamLogsReq;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.util.Iterator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

@Command(
    name = "logs",
    description = {
      "Show a CVM's console (QEMU's output).",
      "",
      "The last lines, then with -f new lines as they come, until the CVM ends or Ctrl-C.",
      ""
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  cocos-cli logs e71cdcf5-21c0-4e1d-9471-ac6b4389d5f3",
      "  cocos-cli logs -f --tail 0 e71cdcf5-21c0-4e1d-9471-ac6b4389d5f3"
    })
public final class LogsCommand extends ManagerCommand {
  /** The request's tail is a uint32. */
  private static final long MAX_TAIL = 0xFFFF_FFFFL;

  @Parameters(paramLabel = "<cvm_id>", description = "Id of the CVM.")
  String cvmId;

  @Option(
      names = {"-f", "--follow"},
      description = "Keep printing new lines until the CVM ends.")
  boolean follow;

  @Option(
      names = {"-n", "--tail"},
      paramLabel = "N",
      defaultValue = "100",
      description =
          "Lines from before the call to show first (default: ${DEFAULT-VALUE}; at most 4294967295, "
              + "which means all of them).")
  long tail;

  @Option(
      names = "--json",
      description = "Print each line as a JSON object (LogLine: cvmId, line, skippedBytes).")
  boolean json;

  public LogsCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  protected void prepare() {
    if (tail < 0 || tail > MAX_TAIL) {
      throw new ParameterException(spec.commandLine(), "--tail must be from 0 to " + MAX_TAIL);
    }
  }

  /**
   * StreamLogs with each answer left as its wire bytes: printing copies the lines straight out of
   * them, with no LogLine and no object per line (a 100 MiB console is about a million lines). Same
   * method, same request, same messages as the generated stub's.
   */
  private static final MethodDescriptor<StreamLogsReq, byte[]> STREAM_LOGS_WIRE =
      ManagerServiceGrpc.getStreamLogsMethod().toBuilder(
              ProtoUtils.marshaller(StreamLogsReq.getDefaultInstance()),
              RawBytesMarshaller.describingFailures(
                  e -> "reading a StreamLogs message: " + e.getMessage()))
          .build();

  /** A field's tag on the wire: its number, then three bits of wire type. */
  private static final int LINE_TAG =
      LogLine.LINES_FIELD_NUMBER << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;

  private static final int SKIPPED_BYTES_TAG =
      LogLine.SKIPPED_BYTES_FIELD_NUMBER << 3 | WireFormat.WIRETYPE_VARINT;

  @Override
  protected int run(ManagerConnection manager) {
    // Following has no deadline: it lasts as long as the CVM or the user wants.
    ManagerServiceGrpc.ManagerServiceBlockingStub stub =
        follow ? ManagerServiceGrpc.newBlockingStub(manager.channel()) : manager.stub();
    // Batches: many lines per message, printed with one flush each, so the whole console goes at
    // the speed of the stream, and a follower still sees each batch as soon as it arrives.
    Iterator<byte[]> batches =
        ClientCalls.blockingServerStreamingCall(
            stub.getChannel(),
            STREAM_LOGS_WIRE,
            stub.getCallOptions(),
            StreamLogsReq.newBuilder()
                .setCvmId(cvmId)
                .setTail((int) tail) /* a uint32's bits: values past 2^31 go as negative ints */
                .setFollow(follow)
                .setBatch(true)
                .build());
    PrintWriter out = out();
    out.flush();
    // Not --json: each line's bytes as the manager sent them (valid UTF-8), neither decoded nor
    // re-encoded, through one buffer.
    BufferedOutputStream text = new BufferedOutputStream(ctx.outBytes(), 1 << 16);
    try {
      while (batches.hasNext()) {
        byte[] batch = batches.next();
        if (json) {
          printJson(out, LogLine.parseFrom(batch));
          out.flush();
        } else {
          printText(text, batch);
          text.flush();
        }
      }
    } catch (InvalidProtocolBufferException e) {
      throw Status.INTERNAL
          .withDescription("the manager sent a malformed LogLine: " + e.getMessage())
          .asRuntimeException();
    } catch (IOException stdoutClosed) {
      // e.g. `| head` has what it wanted: stop reading
    }
    return ExitCode.OK;
  }

  /**
   * A batch's lines, each followed by a newline, copied from the message's bytes; the note of
   * skipped bytes (field 3, which serializers write before field 4) goes to stderr first.
   */
  private void printText(OutputStream text, byte[] batch) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(batch);
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == LINE_TAG) {
        int length = in.readRawVarint32();
        text.write(batch, in.getTotalBytesRead(), length);
        text.write('\n');
        in.skipRawBytes(length);
      } else if (tag == SKIPPED_BYTES_TAG) {
        long skipped = in.readUInt64();
        if (skipped > 0) {
          text.flush();
          ctx.err().println("… " + skipped + " bytes of console skipped: this reader fell behind");
        }
      } else {
        in.skipField(tag);
      }
    }
  }

  /** One JSON object per console line, as the one-line-per-message form of the API has it. */
  private static void printJson(PrintWriter out, LogLine batch) {
    long skipped = batch.getSkippedBytes();
    for (ByteString line : batch.getLinesList()) {
      out.write(
          Json.printCompact(
              LogLine.newBuilder()
                  .setCvmId(batch.getCvmId())
                  .setLineBytes(line)
                  .setSkippedBytes(skipped)
                  .build(),
              "lines"));
      out.write('\n');
      skipped = 0;
    }
  }
}
