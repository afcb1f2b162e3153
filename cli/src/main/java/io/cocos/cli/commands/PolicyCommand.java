package io.cocos.cli.commands;

import io.cocos.cli.CliContext;
import io.cocos.cli.CliException;
import io.cocos.cli.ExitCode;
import io.cocos.cli.Files2;
import io.cocos.manager.attestation.corim.CborException;
import io.cocos.manager.attestation.corim.CorimDocument;
import io.cocos.manager.attestation.corim.CorimEncoder;
import io.cocos.manager.attestation.corim.CorimSigner;
import io.cocos.manager.attestation.corim.ReferenceValues;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code policy}: attestation policies as CoRIM, made and checked locally (no manager needed). */
@Command(
    name = "policy",
    sortOptions = false,
    description = {"Create and check CoRIM attestation policies locally.", ""},
    subcommands = {PolicyCommand.CreateCorim.class, PolicyCommand.VerifyCorim.class})
public final class PolicyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin HelpOption help;
  private final CliContext ctx;

  public PolicyCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(ctx.out());
    return ExitCode.OK;
  }

  @Command(
      name = "create-corim",
      sortOptions = false,
      description = {
        "Create a CoRIM attestation policy (CBOR), signed with --signing-key.",
        "",
        "The CoRIM the manager returns with MANAGER_ATTESTATION_POLICY_FORMAT=corim, from values given here.",
        ""
      },
      subcommands = {SnpCorim.class, TdxCorim.class})
  public static final class CreateCorim implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;
    private final CliContext ctx;

    public CreateCorim(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      spec.commandLine().usage(ctx.out());
      return ExitCode.OK;
    }
  }

  /** What create-corim snp and tdx share: signing and writing. */
  abstract static class CorimOutput implements Callable<Integer> {
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
  public static final class SnpCorim extends CorimOutput {
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

    public SnpCorim(CliContext ctx) {
      super(ctx);
    }

    @Override
    ReferenceValues values() {
      return new ReferenceValues.Snp(
          hex("--measurement", measurement),
          Optional.ofNullable(hostData).map(h -> hex("--host-data", h)),
          unsigned64("--launch-tcb", launchTcb),
          product.isBlank() ? Optional.empty() : Optional.of(product));
    }
  }

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
  public static final class TdxCorim extends CorimOutput {
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

    public TdxCorim(CliContext ctx) {
      super(ctx);
    }

    @Override
    ReferenceValues values() {
      return ReferenceValues.Tdx.withDefaults(
          Optional.ofNullable(measurement).map(m -> hex("--measurement", m)),
          Optional.ofNullable(mrSeam).map(m -> hex("--mr-seam", m)),
          Optional.ofNullable(rtmrs)
              .map(
                  r ->
                      Arrays.stream(r.split(",", -1)).map(s -> hex("--rtmrs", s.strip())).toList()),
          svn == null ? OptionalLong.empty() : OptionalLong.of(svn),
          Optional.empty());
    }
  }

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
  public static final class VerifyCorim implements Callable<Integer> {
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

    public VerifyCorim(CliContext ctx) {
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
              ExitCode.FAILURE,
              file + " is not signed: there is no signature to verify with --key");
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
        return KeyFactory.getInstance("EC")
            .generatePublic(new X509EncodedKeySpec(info.getEncoded()));
      } catch (IOException | GeneralSecurityException e) {
        throw new CliException(
            ExitCode.LOCAL, "cannot use --key " + path + ": not an EC public key");
      }
    }
  }

  static byte[] hex(String option, String text) {
    try {
      return HexFormat.of().parseHex(text.strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(option + " is not hex: " + shortened(text));
    }
  }

  static BigInteger unsigned64(String option, String text) {
    String t = text.strip();
    try {
      BigInteger v =
          t.startsWith("0x") || t.startsWith("0X")
              ? new BigInteger(t.substring(2), 16)
              : new BigInteger(t);
      if (v.signum() >= 0 && v.bitLength() <= 64) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        option + " is not an unsigned 64-bit number: " + shortened(text));
  }

  private static String shortened(String s) {
    String one = s.replaceAll("\\p{Cntrl}", "?");
    return one.length() > 40 ? one.substring(0, 40) + "…" : one;
  }
}
