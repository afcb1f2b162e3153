package io.cocos.cli.commands;

import com.google.protobuf.Timestamp;
import io.cocos.cli.CliContext;
import io.cocos.cli.ExitCode;
import io.cocos.cli.Json;
import io.cocos.cli.manager.ManagerConnection;
import io.cocos.manager.api.LifecycleEvent;
import io.cocos.manager.api.ManagerServiceGrpc;
import io.cocos.manager.api.WatchEventsReq;
import java.time.Instant;
import java.util.Iterator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "events",
    description = {
      "Follow lifecycle events of all CVMs, or of one until it is removed.",
      "",
      "created, running, stopping, removed, exited (with its code), failed, ttl-expired, restored.",
      ""
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  cocos-cli events",
      "  cocos-cli events e71cdcf5-21c0-4e1d-9471-ac6b4389d5f3 --json"
    })
public final class EventsCommand extends ManagerCommand {
  @Parameters(paramLabel = "<cvm_id>", arity = "0..1", description = "Only this CVM's events.")
  String cvmId = "";

  @Option(names = "--json", description = "Print each event as a JSON object (LifecycleEvent).")
  boolean json;

  public EventsCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  protected int run(ManagerConnection manager) {
    Iterator<LifecycleEvent> events =
        ManagerServiceGrpc.newBlockingStub(manager.channel())
            .watchEvents(WatchEventsReq.newBuilder().setCvmId(cvmId).build());
    while (events.hasNext()) {
      LifecycleEvent e = events.next();
      if (json) {
        out().println(Json.printCompact(e));
      } else {
        if (e.getDroppedBefore() > 0) {
          ctx.err()
              .println("… " + e.getDroppedBefore() + " events dropped: this reader fell behind");
        }
        String detail = e.hasExitCode() ? "exit code " + e.getExitCode() : e.getDetail();
        out()
            .println(
                String.join(
                        "  ",
                        instant(e.getTime()).toString(),
                        e.getCvmId(),
                        String.format("%-11s", e.getType()),
                        String.format("%-12s", e.getState()),
                        detail)
                    .stripTrailing());
      }
      out().flush();
    }
    return ExitCode.OK;
  }

  private static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }
}
