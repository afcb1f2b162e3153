package io.cocos.cli.commands;

import com.google.protobuf.Timestamp;
import io.cocos.cli.CliContext;
import io.cocos.cli.ExitCode;
import io.cocos.cli.Json;
import io.cocos.cli.Style;
import io.cocos.cli.TableDuration;
import io.cocos.cli.manager.ManagerConnection;
import io.cocos.manager.api.CvmSummary;
import io.cocos.manager.api.ListVmsReq;
import io.cocos.manager.api.ListVmsRes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "list-vms",
    description = {
      "List the CVMs the manager knows.",
      "",
      "Exited and failed CVMs stay listed until removed. Columns: id, state (with the exit code of an "
          + "exited CVM), forwarded host port, vsock guest CID, QEMU pid, TEE, age, TTL left.",
      ""
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  cocos-cli list-vms",
      "  cocos-cli list-vms --json | jq -r '.cvms[] | .id + \" \" + .state'"
    })
public final class ListVmsCommand extends ManagerCommand {
  static final List<String> HEADER =
      List.of("ID", "STATE", "GUEST", "PORT", "CID", "PID", "TEE", "AGE", "TTL LEFT");

  @Option(
      names = "--json",
      description = "Print the manager's answer as JSON ({\"cvms\": [...]}, proto3 JSON mapping).")
  boolean json;

  public ListVmsCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  protected int run(ManagerConnection manager) {
    ListVmsRes res = manager.stub().listVms(ListVmsReq.getDefaultInstance());
    if (json) {
      out().println(Json.print(res));
      return ExitCode.OK;
    }
    if (res.getCvmsCount() == 0) {
      out().println("No virtual machines.");
      return ExitCode.OK;
    }
    List<CvmSummary> cvms = new ArrayList<>(res.getCvmsList());
    cvms.sort(
        Comparator.comparingLong((CvmSummary c) -> c.getCreatedAt().getSeconds())
            .thenComparingInt(c -> c.getCreatedAt().getNanos())
            .thenComparing(CvmSummary::getId));
    Instant now = ctx.clock().instant();
    List<List<String>> rows = new ArrayList<>();
    for (CvmSummary c : cvms) {
      rows.add(row(c, now));
    }
    printTable(rows, ctx.outStyle());
    return ExitCode.OK;
  }

  static List<String> row(CvmSummary c, Instant now) {
    String state = c.getState();
    if (c.hasExitCode()) {
      state += " (" + c.getExitCode() + ")";
    }
    String ttl = "-";
    if (c.hasTtlDeadline()) {
      Duration left = Duration.between(now, instant(c.getTtlDeadline()));
      ttl = left.isNegative() || left.isZero() ? "expired" : TableDuration.of(left);
    }
    return List.of(
        c.getId(),
        state,
        dash(c.getGuestStatus()),
        dash(c.getForwardedPort()),
        c.getGuestCid() == 0 ? "-" : Integer.toUnsignedString(c.getGuestCid()),
        c.getPid() == 0 ? "-" : Long.toString(c.getPid()),
        dash(c.getTee()),
        c.hasCreatedAt() ? TableDuration.of(Duration.between(instant(c.getCreatedAt()), now)) : "-",
        ttl);
  }

  private void printTable(List<List<String>> rows, Style style) {
    int[] width = widths(HEADER, rows);
    out().println(style.bold(line(HEADER, width)));
    for (List<String> r : rows) {
      String text = line(r, width);
      String state = r.get(1);
      // Colour the state cell only (after padding, so escapes do not upset the widths).
      if (style.enabled()) {
        int at = width[0] + 2;
        String cell = text.substring(at, at + state.length());
        String coloured =
            state.startsWith("running")
                ? style.green(cell)
                : state.startsWith("failed")
                    ? style.red(cell)
                    : state.startsWith("exited") || state.startsWith("stopping")
                        ? style.yellow(cell)
                        : cell;
        text = text.substring(0, at) + coloured + text.substring(at + state.length());
      }
      out().println(text);
    }
  }

  /** Each column's width: its widest cell, header included. */
  static int[] widths(List<String> header, List<List<String>> rows) {
    int[] width = new int[header.size()];
    for (int i = 0; i < width.length; i++) {
      width[i] = header.get(i).length();
      for (List<String> r : rows) {
        width[i] = Math.max(width[i], r.get(i).length());
      }
    }
    return width;
  }

  /** One row, its cells padded to the widths and two spaces apart, the last one unpadded. */
  static String line(List<String> cells, int[] width) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      if (i == cells.size() - 1) {
        b.append(cells.get(i));
      } else {
        b.append(String.format("%-" + width[i] + "s  ", cells.get(i)));
      }
    }
    return b.toString().stripTrailing();
  }

  static String dash(String s) {
    return s == null || s.isEmpty() ? "-" : s;
  }

  private static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }
}
