package io.cocos.cli.commands;

import io.cocos.cli.CliContext;
import io.cocos.cli.ExitCode;
import io.cocos.cli.Json;
import io.cocos.cli.Style;
import io.cocos.cli.manager.ManagerConnection;
import io.cocos.manager.api.HostGpu;
import io.cocos.manager.api.HostInfoReq;
import io.cocos.manager.api.HostInfoRes;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "host-info",
    description = {
      "Show what the manager's host can hold and what its CVMs hold of it.",
      "",
      "A table of CVM slots, guest memory (admitted against (MemTotal - reserve) * overcommit), "
          + "vCPUs, forwarded ports, vsock CIDs and GPUs: total, used, free; then how many more "
          + "CVMs fit, the host's memory, the TEE, the features and the versions of the manager, "
          + "QEMU and the JDK.",
      ""
    },
    footerHeading = "%nExamples:%n",
    footer = {"  cocos-cli host-info", "  cocos-cli host-info --json | jq .cvmsAvailable"})
public final class HostInfoCommand extends ManagerCommand {
  static final List<String> HEADER = List.of("RESOURCE", "TOTAL", "USED", "FREE");
  private static final long MIB = 1L << 20;

  @Option(names = "--json", description = "Print the manager's answer (HostInfoRes) as JSON.")
  boolean json;

  public HostInfoCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  protected int run(ManagerConnection manager) {
    HostInfoRes res = manager.stub().hostInfo(HostInfoReq.getDefaultInstance());
    if (json) {
      out().println(Json.print(res));
      return ExitCode.OK;
    }
    Style style = ctx.outStyle();
    List<List<String>> rows = rows(res);
    int[] width = ListVmsCommand.widths(HEADER, rows);
    out().println(style.bold(ListVmsCommand.line(HEADER, width)));
    rows.forEach(r -> out().println(ListVmsCommand.line(r, width)));
    out().println();
    field(style, "Room for", res.getCvmsAvailable() + " more CVM(s)");
    field(
        style,
        "Per CVM",
        mib(res.getGuestMemoryPerCvmBytes()) + ", " + res.getVcpusPerCvm() + " vCPU(s)");
    field(style, "Host memory", hostMemory(res));
    field(style, "TEE", res.getTee());
    field(style, "Features", String.join(", ", res.getFeaturesList()));
    field(style, "Manager", res.getManagerVersion());
    field(style, "QEMU", res.getQemuVersion());
    field(style, "JDK", res.getJdkVersion());
    return ExitCode.OK;
  }

  static List<List<String>> rows(HostInfoRes r) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(
        List.of(
            "CVM slots",
            Integer.toUnsignedString(r.getMaxVms()),
            Integer.toUnsignedString(r.getCvmsHoldingSlots()),
            Long.toString(Math.max(0L, (long) r.getMaxVms() - r.getCvmsHoldingSlots()))));
    boolean memoryKnown = r.getMemoryTotalBytes() > 0;
    long limit = r.getGuestMemoryLimitBytes();
    long committed = r.getGuestMemoryCommittedBytes();
    rows.add(
        List.of(
            "Guest memory",
            memoryKnown ? mib(limit) : "unlimited",
            mib(committed),
            memoryKnown ? mib(Math.max(0, limit - committed)) : "-"));
    rows.add(
        List.of(
            "vCPUs",
            r.getCpusOnline() == 0 ? "-" : Integer.toUnsignedString(r.getCpusOnline()),
            Integer.toUnsignedString(r.getVcpusCommitted()),
            "-"));
    rows.add(
        List.of(
            "Host ports",
            Integer.toUnsignedString(r.getHostPortsTotal()),
            Integer.toString(r.getHostPortsTotal() - r.getHostPortsFree()),
            Integer.toUnsignedString(r.getHostPortsFree())));
    rows.add(List.of("Guest CIDs", "-", "-", Integer.toUnsignedString(r.getGuestCidsFree())));
    long gpusHeld = r.getGpusList().stream().filter(g -> !g.getCvmId().isEmpty()).count();
    rows.add(
        List.of(
            "GPUs",
            Integer.toString(r.getGpusCount()),
            Long.toString(gpusHeld),
            Long.toString(r.getGpusCount() - gpusHeld)));
    for (HostGpu gpu : r.getGpusList()) {
      rows.add(
          List.of("  " + gpu.getName(), "1", gpu.getCvmId().isEmpty() ? "0" : "1", gpu.getCvmId()));
    }
    return rows;
  }

  private static String hostMemory(HostInfoRes r) {
    if (r.getMemoryTotalBytes() == 0) {
      return "unknown (guest memory is not limited)";
    }
    return mib(r.getMemoryTotalBytes())
        + " total, "
        + mib(r.getMemoryReserveBytes())
        + " reserved, overcommit "
        + r.getMemoryOvercommit()
        + ", "
        + mib(r.getMemoryAvailableBytes())
        + " available now";
  }

  private void field(Style style, String name, String value) {
    out().println(style.bold(String.format("%-13s", name + ":")) + ListVmsCommand.dash(value));
  }

  static String mib(long bytes) {
    return bytes / MIB + " MiB";
  }
}
