package io.cocos.cli.commands;

import io.cocos.cli.CliContext;
import io.cocos.cli.CliException;
import io.cocos.cli.ExitCode;
import io.cocos.manager.attestation.measure.LaunchDigest;
import io.cocos.manager.attestation.measure.LaunchDigestCalculator;
import io.cocos.manager.attestation.measure.MeasurementException;
import io.cocos.manager.attestation.measure.OutputFormat;
import io.cocos.manager.attestation.measure.SnpMeasurementRequest;
import io.cocos.manager.attestation.measure.igvm.IgvmMeasureOptions;
import io.cocos.manager.attestation.measure.igvm.IgvmMeasurer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "measure",
    sortOptions = false,
    description = {
      "Compute the launch digest a CVM will measure as, without the hardware.",
      "",
      "Options are sev-snp-measure's, so the two can be compared directly; --igvm measures an IGVM "
          + "file as coconut-svsm's igvmmeasure does. Prints the digest alone.",
      ""
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  cocos-cli measure --mode snp --vcpus 4 --vcpu-type EPYC-v4 --ovmf OVMF.fd \\",
      "      --kernel bzImage --initrd initrd.img --append 'console=ttyS0'",
      "  cocos-cli measure --mode snp:svsm --vcpus 2 --vcpu-type EPYC-v4 --ovmf OVMF.fd \\",
      "      --svsm svsm.bin --vars-size 540672",
      "  cocos-cli measure --igvm /etc/cocos/coconut-qemu.igvm"
    })
public final class MeasureCommand implements Callable<Integer> {
  private final CliContext ctx;
  @Mixin HelpOption help;

  @Option(
      names = "--igvm",
      paramLabel = "FILE",
      description = "Measure this IGVM file (other options but --output-format are ignored).")
  String igvm;

  @Option(
      names = "--mode",
      paramLabel = "MODE",
      defaultValue = "seves",
      description =
          "snp, snp:ovmf-hash, snp:svsm, seves or sev (default: ${DEFAULT-VALUE}, as sev-snp-measure).")
  String mode;

  @Option(names = "--vcpus", paramLabel = "N", description = "Number of vCPUs.")
  Integer vcpus;

  @Option(
      names = "--vcpu-type",
      paramLabel = "TYPE",
      description = "CPU model, e.g. EPYC-v4, EPYC-Milan.")
  String vcpuType;

  @Option(
      names = "--vcpu-sig",
      paramLabel = "SIG",
      description = "CPUID 1 EAX signature (decimal or 0x...).")
  String vcpuSig;

  @Option(
      names = "--vcpu-family",
      paramLabel = "N",
      description = "CPU family (with --vcpu-model and --vcpu-stepping).")
  Integer vcpuFamily;

  @Option(names = "--vcpu-model", paramLabel = "N", description = "CPU model number.")
  Integer vcpuModel;

  @Option(names = "--vcpu-stepping", paramLabel = "N", description = "CPU stepping.")
  Integer vcpuStepping;

  @Option(
      names = "--vmm-type",
      paramLabel = "TYPE",
      description = "QEMU, ec2 or gce (default QEMU).")
  String vmmType;

  @Option(names = "--ovmf", paramLabel = "FILE", description = "OVMF image.")
  String ovmf;

  @Option(
      names = "--kernel",
      paramLabel = "FILE",
      description = "Kernel whose hash the firmware checks.")
  String kernel;

  @Option(
      names = "--initrd",
      paramLabel = "FILE",
      description = "Initrd whose hash the firmware checks.")
  String initrd;

  @Option(names = "--append", paramLabel = "CMDLINE", description = "Kernel command line.")
  String append;

  @Option(
      names = "--guest-features",
      paramLabel = "BITS",
      description = "SEV features of the VMSA (default 0x1).")
  String guestFeatures;

  @Option(
      names = "--snp-ovmf-hash",
      paramLabel = "HEX",
      description = "Precomputed OVMF digest to start from.")
  String snpOvmfHash;

  @Option(names = "--svsm", paramLabel = "FILE", description = "COCONUT-SVSM binary (snp:svsm).")
  String svsm;

  @Option(
      names = "--vars-size",
      paramLabel = "BYTES",
      description = "Size of the OVMF vars store (snp:svsm).")
  String varsSize;

  @Option(
      names = "--output-format",
      paramLabel = "FORMAT",
      defaultValue = "hex",
      description = "hex or base64.")
  String outputFormat;

  public MeasureCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    try {
      OutputFormat format = OutputFormat.fromCli(outputFormat);
      LaunchDigest digest =
          igvm != null
              ? IgvmMeasurer.measure(ctx.resolve(igvm), IgvmMeasureOptions.DEFAULT).digest()
              : LaunchDigestCalculator.calculate(request());
      ctx.out().println(digest.format(format));
      return ExitCode.OK;
    } catch (MeasurementException e) {
      throw new CliException(ExitCode.LOCAL, e.getMessage(), e);
    }
  }

  private SnpMeasurementRequest request() throws MeasurementException {
    SnpMeasurementRequest.Builder b =
        SnpMeasurementRequest.builder()
            .mode(mode)
            .vcpus(vcpus)
            .vcpuType(vcpuType)
            .vcpuFamily(vcpuFamily)
            .vcpuModel(vcpuModel)
            .vcpuStepping(vcpuStepping)
            .ovmf(path(ovmf))
            .kernel(path(kernel))
            .initrd(path(initrd))
            .append(append)
            .snpOvmfHash(snpOvmfHash)
            .svsm(path(svsm));
    if (vmmType != null) {
      b.vmmType(vmmType);
    }
    if (vcpuSig != null) {
      b.vcpuSig(SnpMeasurementRequest.parseAutoBase("--vcpu-sig", vcpuSig));
    }
    if (guestFeatures != null) {
      b.guestFeatures(SnpMeasurementRequest.parseAutoBase("--guest-features", guestFeatures));
    }
    if (varsSize != null) {
      b.varsSize(SnpMeasurementRequest.parseAutoBase("--vars-size", varsSize));
    }
    return b.build();
  }

  private Path path(String p) {
    return p == null ? null : ctx.resolve(p);
  }
}
