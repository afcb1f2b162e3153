package io.cocos.cli.commands;

import io.cocos.cli.CliContext;
import io.cocos.cli.ExitCode;
import io.cocos.cli.Json;
import io.cocos.cli.manager.ManagerConnection;
import io.cocos.manager.api.CVMInfoReq;
import io.cocos.manager.api.CVMInfoRes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "cvm-info",
    description = {
      "Show what a CVM runs with.",
      "",
      "OVMF and EOS versions, vCPU count, CPU model and kernel command line.",
      ""
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  cocos-cli cvm-info e71cdcf5-21c0-4e1d-9471-ac6b4389d5f3",
      "  cocos-cli cvm-info e71cdcf5-21c0-4e1d-9471-ac6b4389d5f3 --json \\",
      "      | jq -r .kernelCmd"
    })
public final class CvmInfoCommand extends ManagerCommand {
  @Parameters(paramLabel = "<cvm_id>", description = "Id of the CVM.")
  String cvmId;

  @Option(names = "--json", description = "Print the manager's answer (CVMInfoRes) as JSON.")
  boolean json;

  public CvmInfoCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  protected int run(ManagerConnection manager) {
    CVMInfoRes res = manager.stub().cVMInfo(CVMInfoReq.newBuilder().setId(cvmId).build());
    if (json) {
      out().println(Json.print(res));
      return ExitCode.OK;
    }
    field("ID", res.getId());
    field("OVMF version", res.getOvmfVersion());
    field("EOS version", res.getEosVersion());
    field("vCPUs", Integer.toString(res.getCpuNum()));
    field("CPU type", res.getCpuType());
    field("Kernel cmdline", res.getKernelCmd());
    return ExitCode.OK;
  }

  private void field(String name, String value) {
    out()
        .println(
            ctx.outStyle().bold(String.format("%-16s", name + ":"))
                + (value.isEmpty() ? "-" : value));
  }
}
