package io.cocos.cli.commands;

import io.cocos.cli.CliContext;
import io.cocos.manager.attestation.corim.ReferenceValues;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code policy create-corim tdx}: TDX reference values from the options. */
@Command(
    name = "tdx",
    sortOptions = false,
    description = {
      "CoRIM for Intel TDX.",
      "",
      "Measurements MRTD, MRSEAM and the RTMRs (sha-384); upstream's defaults for those not given.",
      ""
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  cocos-cli policy create-corim tdx --output tdx.corim",
      "  cocos-cli policy create-corim tdx --measurement <mrtd-hex> --rtmrs <r0>,<r1>,<r2>,<r3> --svn 2 \\",
      "      --signing-key private.pem --output tdx.corim"
    })
public final class TdxCorimCommand extends CorimOutput {
  @Option(
      names = "--measurement",
      paramLabel = "<hex>",
      order = 1,
      description = "MRTD, 48 bytes in hex.")
  String measurement;

  @Option(
      names = "--mr-seam",
      paramLabel = "<hex>",
      order = 2,
      description = "MRSEAM, 48 bytes in hex.")
  String mrSeam;

  @Option(
      names = "--rtmrs",
      paramLabel = "<hex,...>",
      order = 3,
      description = "RTMRs, comma-separated, 48 bytes each.")
  String rtmrs;

  @Option(
      names = "--svn",
      paramLabel = "<n>",
      order = 4,
      description = "Security version number, on MRTD (tagged-svn).")
  Long svn;

  public TdxCorimCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  ReferenceValues values() {
    return ReferenceValues.Tdx.withDefaults(
        Optional.ofNullable(measurement).map(m -> OptionValues.hex("--measurement", m)),
        Optional.ofNullable(mrSeam).map(m -> OptionValues.hex("--mr-seam", m)),
        Optional.ofNullable(rtmrs)
            .map(
                r ->
                    Arrays.stream(r.split(",", -1))
                        .map(s -> OptionValues.hex("--rtmrs", s.strip()))
                        .toList()),
        svn == null ? OptionalLong.empty() : OptionalLong.of(svn),
        Optional.empty());
  }
}
