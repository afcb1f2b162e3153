package io.cocos.cli.commands;

import io.cocos.cli.CliContext;
import io.cocos.cli.CliException;
import io.cocos.cli.ExitCode;
import io.cocos.cli.Files2;
import io.cocos.manager.attestation.corim.CorimEncoder;
import io.cocos.manager.attestation.corim.CorimSigner;
import io.cocos.manager.attestation.corim.ReferenceValues;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What create-corim snp and tdx share: signing and writing. */
abstract class CorimOutput implements Callable<Integer> {
  final CliContext ctx;
  @Mixin HelpOption help;

  @Option(
      names = "--signing-key",
      paramLabel = "<file>",
      order = 90,
      description =
          "PEM EC P-256 or P-384 private key (PKCS#8 or SEC1): sign as COSE_Sign1 (ES256/ES384).")
  String signingKey;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "<file>",
      required = true,
      order = 91,
      description = "Write the CoRIM (binary CBOR) to this file.")
  String output;

  CorimOutput(CliContext ctx) {
    this.ctx = ctx;
  }

  abstract ReferenceValues values();

  @Override
  public Integer call() {
    ReferenceValues values;
    try {
      values = values();
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCode.USAGE, e.getMessage());
    }
    byte[] corim = new CorimEncoder().encode(values);
    if (signingKey != null) {
      Path key = Files2.readable(ctx, "--signing-key", signingKey);
      try {
        corim = CorimSigner.load(key).sign(corim);
      } catch (CorimSigner.SigningKeyException e) {
        throw new CliException(
            ExitCode.LOCAL,
            "cannot sign with --signing-key " + signingKey + ": the file " + e.getMessage());
      }
    }
    try {
      Files.write(ctx.resolve(output), corim);
    } catch (IOException e) {
      throw new CliException(ExitCode.LOCAL, "cannot write " + output + ": " + Files2.reason(e));
    }
    ctx.out()
        .println(
            ctx.outStyle()
                .green(
                    "✅ "
                        + (signingKey != null ? "Signed CoRIM" : "CoRIM")
                        + " for "
                        + values.platform()
                        + " written to "
                        + output
                        + " ("
                        + corim.length
                        + " bytes)"));
    return ExitCode.OK;
  }
}
