package io.cocos.cli.commands;

import io.cocos.cli.CliContext;
import io.cocos.cli.ExitCode;
import io.cocos.cli.manager.ManagerConnection;
import io.cocos.manager.api.RemoveReq;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
    name = "remove-vm",
    description = {
      "Remove a virtual machine.",
      "",
      "Stops its QEMU and deletes what the manager keeps for it.",
      ""
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  cocos-cli remove-vm e71cdcf5-21c0-4e1d-9471-ac6b4389d5f3",
      "  cocos-cli list-vms --json \\",
      "      | jq -r '.cvms[] | select(.state==\"exited\") | .id' \\",
      "      | xargs -n1 cocos-cli remove-vm"
    })
public final class RemoveVmCommand extends ManagerCommand {
  @Parameters(
      paramLabel = "<cvm_id>",
      description = "Id of the CVM, as create-vm or list-vms printed it.")
  String cvmId;

  public RemoveVmCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  protected boolean announceOnStdout() {
    return true;
  }

  @Override
  protected int run(ManagerConnection manager) {
    out().println("🔗 Removing virtual machine");
    manager.stub().removeVm(RemoveReq.newBuilder().setCvmId(cvmId).build());
    out().println(ctx.outStyle().green("✅ Virtual machine removed successfully"));
    return ExitCode.OK;
  }
}
