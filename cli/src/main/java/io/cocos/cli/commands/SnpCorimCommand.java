package io.cocos.cli.commands;

import io.cocos.cli.CliContext;
import io.cocos.manager.attestation.corim.ReferenceValues;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code policy create-corim snp}: SEV-SNP reference values from the options. */
@Command(
    name = "snp",
    sortOptions = false,
    description = {
      "CoRIM for AMD SEV-SNP.",
      "",
      "One measurement: the launch digest (sha-384), the minimum launch TCB (tagged-min-svn) and the "
          + "host data (raw-value).",
      ""
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  cocos-cli policy create-corim snp --measurement $(cocos-cli measure --igvm coconut-qemu.igvm) \\",
      "      --host-data $(head -c 32 /dev/urandom | xxd -p -c 64) --launch-tcb 15352208179752599555 \\",
      "      --signing-key private.pem --output snp.corim"
    })
public final class SnpCorimCommand extends CorimOutput {
  @Option(
      names = "--measurement",
      paramLabel = "<hex>",
      required = true,
      order = 1,
      description = "Launch digest, 48 bytes in hex (e.g. from cocos-cli measure).")
  String measurement;

  @Option(
      names = "--host-data",
      paramLabel = "<hex>",
      order = 2,
      description = "Host data, 32 bytes in hex.")
  String hostData;

  @Option(
      names = "--launch-tcb",
      paramLabel = "<n>",
      defaultValue = "0",
      order = 3,
      description =
          "Minimum launch TCB, an unsigned 64-bit number, decimal or 0x-hex (default: 0, no minimum).")
  String launchTcb;

  @Option(
      names = "--product",
      paramLabel = "<name>",
      defaultValue = "Milan",
      order = 4,
      description = "CPU model the instance id is derived from (default: ${DEFAULT-VALUE}).")
  String product;

  public SnpCorimCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  ReferenceValues values() {
    return new ReferenceValues.Snp(
        OptionValues.hex("--measurement", measurement),
        Optional.ofNullable(hostData).map(h -> OptionValues.hex("--host-data", h)),
        OptionValues.unsigned64("--launch-tcb", launchTcb),
        product.isBlank() ? Optional.empty() : Optional.of(product));
  }
}
