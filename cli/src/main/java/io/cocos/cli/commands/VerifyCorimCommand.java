package io.cocos.cli.commands;

import io.cocos.cli.CliContext;
import io.cocos.cli.CliException;
import io.cocos.cli.ExitCode;
import io.cocos.cli.Files2;
import io.cocos.manager.attestation.corim.CborException;
import io.cocos.manager.attestation.corim.CorimDocument;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code policy verify-corim}: decodes, prints and verifies a CoRIM. */
@Command(
    name = "verify-corim",
    sortOptions = false,
    description = {
      "Decode a CoRIM, print it and verify its signature.",
      "",
      "Prints the CoRIM's ids, environment and measurements. A signed CoRIM (COSE_Sign1) is verified "
          + "with --key; it fails (exit 1) when the signature does not verify.",
      ""
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  cocos-cli policy verify-corim snp.corim",
      "  cocos-cli policy verify-corim snp.corim --key public.pem",
      "  cocos-cli policy verify-corim snp.corim --json | jq -r '.comids[0].reference_values[0].measurements[0]'"
    })
public final class VerifyCorimCommand implements Callable<Integer> {
  private final CliContext ctx;
  @Mixin HelpOption help;

  @Parameters(paramLabel = "<file>", description = "The CoRIM (CBOR), signed or not.")
  String file;

  @Option(
      names = "--key",
      paramLabel = "<public.pem>",
      description = "PEM public key (or certificate) to verify the signature with.")
  String key;

  @Option(
      names = "--json",
      description =
          "Print the CoRIM as JSON (byte strings in hex), with \"verified\" when checked.")
  boolean json;

  public VerifyCorimCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    Path path = Files2.readable(ctx, "CoRIM", file);
    CorimDocument doc;
    try {
      doc = CorimDocument.parse(Files.readAllBytes(path));
    } catch (IOException e) {
      throw new CliException(ExitCode.LOCAL, "cannot read " + file + ": " + Files2.reason(e));
    } catch (CborException e) {
      throw new CliException(ExitCode.FAILURE, file + " is not a CoRIM: " + e.getMessage());
    }
    Boolean verified = null;
    if (key != null) {
      if (!doc.signed()) {
        throw new CliException(
            ExitCode.FAILURE, file + " is not signed: there is no signature to verify with --key");
      }
      PublicKey publicKey = publicKey(key);
      try {
        verified = doc.verify(publicKey);
      } catch (IllegalStateException e) {
        throw new CliException(ExitCode.FAILURE, e.getMessage());
      }
    }
    if (json) {
      ctx.out().println(doc.toJson(Optional.ofNullable(verified)));
    } else {
      doc.describe().forEach(ctx.out()::println);
      if (verified == null && doc.signed()) {
        ctx.out().println("signature not checked (give --key to verify it)");
      } else if (Boolean.TRUE.equals(verified)) {
        ctx.out().println(ctx.outStyle().green("✅ Signature verified with " + key));
      }
    }
    if (Boolean.FALSE.equals(verified)) {
      throw new CliException(
          ExitCode.FAILURE, "the signature of " + file + " does not verify with " + key);
    }
    return ExitCode.OK;
  }

  private PublicKey publicKey(String path) {
    byte[] pem = Files2.readPem(ctx, "--key", path);
    Object object;
    try (PEMParser parser =
        new PEMParser(new StringReader(new String(pem, StandardCharsets.US_ASCII)))) {
      object = parser.readObject();
    } catch (IOException | RuntimeException e) {
      throw new CliException(
          ExitCode.LOCAL, "cannot use --key " + path + ": not a readable PEM public key");
    }
    SubjectPublicKeyInfo info;
    if (object instanceof SubjectPublicKeyInfo spki) {
      info = spki;
    } else if (object instanceof X509CertificateHolder cert) {
      info = cert.getSubjectPublicKeyInfo();
    } else {
      throw new CliException(
          ExitCode.LOCAL,
          "cannot use --key "
              + path
              + ": it holds no public key (\"PUBLIC KEY\" or "
              + "a certificate)");
    }
    try {
      return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(info.getEncoded()));
    } catch (IOException | GeneralSecurityException e) {
      throw new CliException(ExitCode.LOCAL, "cannot use --key " + path + ": not an EC public key");
    }
  }
}
