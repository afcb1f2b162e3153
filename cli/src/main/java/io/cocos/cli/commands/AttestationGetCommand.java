package io.cocos.cli.commands;

import com.google.protobuf.ByteString;
import io.cocos.agent.api.AgentServiceGrpc;
import io.cocos.agent.api.AttestationRequest;
import io.cocos.agent.api.AttestationResponse;
import io.cocos.agent.api.AttestationTokenRequest;
import io.cocos.cli.CliContext;
import io.cocos.cli.CliException;
import io.cocos.cli.ExitCode;
import io.cocos.cli.agent.AgentConnection;
import io.grpc.Metadata;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "get",
    description = {
      "Retrieve attestation information from agent. The argument of the command must be the type"
          + " of the report (snp or vtpm or snp-vtpm or tdx, or azure-token).",
      "",
      "Saves the raw report as the agent sends it (attestation.bin; azure_attest_token.jwt for"
          + " azure-token) without verifying it: verifying needs the attestation tools this build"
          + " does not have.",
      ""
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  cocos-cli attestation get snp --tee <512 bit hex value>",
      "  cocos-cli attestation get vtpm --vtpm <256 bit hex value>",
      "  cocos-cli attestation get snp-vtpm --tee <512 bit hex value> --vtpm <256 bit hex value>",
      "  cocos-cli attestation get azure-token --token <256 bit hex value>",
      "  cocos-cli attestation get tdx --tee <512 bit hex value>",
      AgentCommand.ENVIRONMENT
    })
public final class AttestationGetCommand extends AgentCommand {
  /** Upstream's attestation.PlatformType numbers, sent as AttestationRequest.type. */
  enum Kind {
    SNP("snp", 0, "Fetching SEV-SNP attestation report"),
    VTPM("vtpm", 1, "Fetching vTPM report"),
    SNP_VTPM("snp-vtpm", 2, "Fetching SEV-SNP and vTPM report"),
    AZURE_TOKEN("azure-token", 0, "Fetching Azure token"), // upstream leaves the type at SNP
    TDX("tdx", 4, "Fetching TDX attestation report");

    final String arg;
    final int type;
    final String fetching;

    Kind(String arg, int type, String fetching) {
      this.arg = arg;
      this.type = type;
      this.fetching = fetching;
    }
  }

  static final int TEE_NONCE_BYTES = 64;
  static final int VTPM_NONCE_BYTES = 32;

  @Parameters(paramLabel = "<type>", description = "snp, vtpm, snp-vtpm, tdx or azure-token.")
  String type;

  @Option(
      names = "--tee",
      paramLabel = "HEX",
      description =
          "Define the nonce for the SNP and TDX attestation report (must be used with attestation"
              + " type snp, snp-vtpm, and tdx)")
  String teeHex;

  @Option(
      names = "--vtpm",
      paramLabel = "HEX",
      description =
          "Define the nonce for the vTPM attestation report (must be used with attestation type"
              + " vtpm and snp-vtpm)")
  String vtpmHex;

  @Option(
      names = "--token",
      paramLabel = "HEX",
      description =
          "Define the nonce for the Azure attestation token (must be used with attestation type"
              + " azure-token)")
  String tokenHex;

  private Kind kind;
  private final byte[] teeNonce = new byte[TEE_NONCE_BYTES];
  private final byte[] vtpmNonce = new byte[VTPM_NONCE_BYTES];
  private Path target;

  public AttestationGetCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  protected String role() {
    return null;
  }

  @Override
  protected String failure() {
    return kind == Kind.AZURE_TOKEN
        ? "Failed to get attestation token due to error: failed to fetch attestation token : "
        : "Failed to get attestation due to error: ";
  }

  @Override
  protected void prepare() {
    for (Kind k : Kind.values()) {
      if (k.arg.equals(type)) {
        kind = k;
      }
    }
    if (kind == null) {
      throw new CliException(
          ExitCode.USAGE,
          "Bad attestation type: invalid argument \""
              + type
              + "\" for \"cocos-cli attestation get\"");
    }
    out().println(kind.fetching);
    byte[] tee = hex("--tee", teeHex);
    byte[] vtpm = hex("--vtpm", vtpmHex);
    byte[] token = hex("--token", tokenHex);
    if ((kind == Kind.VTPM || kind == Kind.SNP_VTPM) && vtpm.length == 0) {
      throw local("vTPM nonce must be defined for vTPM attestation");
    }
    if ((kind == Kind.SNP || kind == Kind.SNP_VTPM) && tee.length == 0) {
      throw local("TEE nonce must be defined for SEV-SNP attestation");
    }
    if (kind == Kind.AZURE_TOKEN && token.length == 0) {
      throw local("Token nonce must be defined for Azure attestation");
    }
    if (kind == Kind.SNP || kind == Kind.SNP_VTPM || kind == Kind.TDX) {
      if (tee.length > TEE_NONCE_BYTES) {
        throw local(
            "nonce must be a hex encoded string of length lesser or equal "
                + TEE_NONCE_BYTES
                + " bytes");
      }
      System.arraycopy(tee, 0, teeNonce, 0, tee.length);
    }
    if (kind != Kind.SNP) {
      if (vtpm.length > VTPM_NONCE_BYTES || token.length > VTPM_NONCE_BYTES) {
        throw local(
            "vTPM nonce must be a hex encoded string of length lesser or equal "
                + VTPM_NONCE_BYTES
                + " bytes");
      }
      byte[] n = kind == Kind.AZURE_TOKEN ? token : vtpm;
      System.arraycopy(n, 0, vtpmNonce, 0, n.length);
    }
    target =
        ctx.resolve(kind == Kind.AZURE_TOKEN ? "azure_attest_token.jwt" : "attestation.bin")
            .toAbsolutePath();
  }

  private static byte[] hex(String flag, String value) {
    if (value == null || value.isEmpty()) {
      return new byte[0];
    }
    try {
      return HexFormat.of().parseHex(value.toLowerCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CliException(
          ExitCode.USAGE,
          "invalid argument \"" + value + "\" for \"" + flag + "\" flag: " + e.getMessage());
    }
  }

  private static CliException local(String message) {
    return new CliException(ExitCode.USAGE, message);
  }

  /** Written beside the target and renamed: a failed call leaves no partial report. */
  @Override
  protected void run(AgentConnection agent, Metadata metadata) throws IOException {
    AgentServiceGrpc.AgentServiceBlockingStub stub =
        AgentServiceGrpc.newBlockingStub(agent.channel());
    Path partial = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".part");
    try {
      try (OutputStream file = Files.newOutputStream(partial)) {
        if (kind == Kind.AZURE_TOKEN) {
          stub.azureAttestationToken(
                  AttestationTokenRequest.newBuilder()
                      .setTokenNonce(ByteString.copyFrom(vtpmNonce))
                      .setType(kind.type)
                      .build())
              .getFile()
              .writeTo(file);
        } else {
          Iterator<AttestationResponse> chunks =
              stub.attestation(
                  AttestationRequest.newBuilder()
                      .setTeeNonce(ByteString.copyFrom(teeNonce))
                      .setVtpmNonce(ByteString.copyFrom(vtpmNonce))
                      .setType(kind.type)
                      .build());
          while (chunks.hasNext()) {
            chunks.next().getFile().writeTo(file);
          }
        }
      }
      Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(partial);
    }
    out().println("Attestation retrieved and saved successfully!");
    out().println("📁 Location: " + target);
  }
}
