package io.cocos.cli.commands;

import com.google.protobuf.ByteString;
import io.cocos.cli.CliContext;
import io.cocos.cli.ExitCode;
import io.cocos.cli.Files2;
import io.cocos.cli.Json;
import io.cocos.cli.Spinner;
import io.cocos.cli.manager.ManagerConnection;
import io.cocos.manager.api.CreateReq;
import io.cocos.manager.api.CreateRes;
import io.cocos.manager.core.config.GoDuration;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

@Command(
    name = "create-vm",
    description = {
      "Create a new virtual machine (CVM) and start its agent.",
      "",
      "The PEM files are read here and sent to the manager, which hands them to the agent in the CVM. "
          + "Prints the new CVM's id and the host port forwarded to its agent.",
      ""
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  cocos-cli create-vm --server-url 192.168.1.100:7001",
      "  cocos-cli create-vm --log-level debug --server-url cvms:7001 --ttl 1h30m",
      "  cocos-cli create-vm --server-url cvms:7001 --server-ca ca.pem \\",
      "      --client-crt agent.crt --client-key agent.key \\",
      "      --ca-url https://ca.example.com",
      "  COCOS_AWS_SECRET_ACCESS_KEY=... cocos-cli create-vm --server-url cvms:7001 \\",
      "      --aws-access-key-id AKIA... --aws-endpoint-url http://minio:9000 --aws-region us-east-1 \\",
      "      --aa-kbs-params type=sample",
      "  id=$(cocos-cli create-vm --server-url cvms:7001 --json | jq -r .cvmId)"
    })
public final class CreateVmCommand extends ManagerCommand {
  /**
   * Where the secrets come from when their flags are absent, so they need not be on a command line
   * (shell history, ps). Prefixed: the AWS SDK's own AWS_SECRET_ACCESS_KEY is the user's, and
   * sending it into a CVM unasked would leak it.
   */
  static final String CERTS_TOKEN_VARIABLE = "COCOS_CERTS_TOKEN";

  static final String AWS_SECRET_VARIABLE = "COCOS_AWS_SECRET_ACCESS_KEY";

  @Option(
      names = "--server-url",
      required = true,
      paramLabel = "<host:port>",
      description = "CVMS server the agent dials (AGENT_CVM_GRPC_URL). Required.")
  String serverUrl;

  @Option(
      names = "--server-ca",
      paramLabel = "<pem-file>",
      description = "CA certificate(s) of the CVMS server, for the agent.")
  String serverCa;

  @Option(
      names = "--client-key",
      paramLabel = "<pem-file>",
      description = "Private key of the agent's client identity towards the CVMS.")
  String clientKey;

  @Option(
      names = "--client-crt",
      paramLabel = "<pem-file>",
      description = "Certificate of the agent's client identity towards the CVMS.")
  String clientCrt;

  @Option(
      names = "--ca-url",
      paramLabel = "<url>",
      description = "CA service the agent gets its certificate from.")
  String caUrl = "";

  @Option(
      names = "--log-level",
      paramLabel = "<level>",
      description = "Agent log level (debug, info, warn, error).")
  String logLevel = "";

  @Option(
      names = "--ttl",
      paramLabel = "<duration>",
      converter = TtlConverter.class,
      description =
          "Remove the CVM after this long: a Go duration such as 90s, 45m, 1h30m. Default: no TTL.")
  Duration ttl;

  @Option(
      names = "--certs-token",
      paramLabel = "<token>",
      description =
          "Token the agent presents to its CA (AGENT_CERTS_TOKEN). Secret: better given in "
              + CERTS_TOKEN_VARIABLE
              + ", which is used when this flag is absent.")
  String certsToken;

  @Option(
      names = "--aws-access-key-id",
      paramLabel = "<id>",
      description = "AWS access key id for S3/MinIO.")
  String awsAccessKeyId = "";

  @Option(
      names = "--aws-secret-access-key",
      paramLabel = "<secret>",
      description =
          "AWS secret access key for S3/MinIO. Secret: better given in "
              + AWS_SECRET_VARIABLE
              + ", which is used when this flag is absent.")
  String awsSecretAccessKey;

  @Option(
      names = "--aws-endpoint-url",
      paramLabel = "<url>",
      description = "S3 endpoint (MinIO or a custom S3), an http(s) URL.")
  String awsEndpointUrl = "";

  @Option(
      names = "--aws-region",
      paramLabel = "<region>",
      description = "AWS region, such as us-east-1.")
  String awsRegion = "";

  @Option(
      names = "--aa-kbs-params",
      paramLabel = "<params>",
      description =
          "Attestation agent KBS parameters, put on the guest kernel line as agent.aa_kbc_params "
              + "(e.g. protocol=http,type=kbs,url=http://... or type=sample); no spaces or quotes.")
  String aaKbsParams = "";

  @Option(
      names = "--json",
      description =
          "Print the manager's answer as JSON ({\"forwardedPort\", \"cvmId\"}) and nothing else.")
  boolean json;

  private CreateReq request;

  public CreateVmCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  protected boolean announceOnStdout() {
    return !json;
  }

  @Override
  protected void prepare() {
    CreateReq.Builder req =
        CreateReq.newBuilder()
            .setAgentCvmServerUrl(serverUrl)
            .setAgentLogLevel(logLevel)
            .setAgentCvmCaUrl(caUrl)
            .setAgentCertsToken(orEnvironment(certsToken, CERTS_TOKEN_VARIABLE))
            .setAwsAccessKeyId(awsAccessKeyId)
            .setAwsSecretAccessKey(orEnvironment(awsSecretAccessKey, AWS_SECRET_VARIABLE))
            .setAwsEndpointUrl(awsEndpointUrl)
            .setAwsRegion(awsRegion)
            .setAaKbsParams(aaKbsParams);
    byte[] ca = Files2.readPem(ctx, "--server-ca", serverCa);
    byte[] key = Files2.readPem(ctx, "--client-key", clientKey);
    byte[] crt = Files2.readPem(ctx, "--client-crt", clientCrt);
    if (ca != null) {
      req.setAgentCvmServerCaCert(ByteString.copyFrom(ca));
    }
    if (key != null) {
      req.setAgentCvmClientKey(ByteString.copyFrom(key));
    }
    if (crt != null) {
      req.setAgentCvmClientCert(ByteString.copyFrom(crt));
    }
    // As upstream: only a positive TTL is sent, in Go's own form (1h30m0s).
    if (ttl != null && !ttl.isZero()) {
      req.setTtl(GoDuration.format(ttl));
    }
    request = req.build();
  }

  @Override
  protected int run(ManagerConnection manager) {
    if (!json) {
      out().println("🔗 Creating a new virtual machine");
    }
    CreateRes res;
    Spinner spinner = Spinner.start(ctx, "waiting for the manager to start the CVM", !json);
    try {
      res = manager.stub().createVm(request);
    } finally {
      spinner.close();
    }
    if (json) {
      out().println(Json.print(res));
    } else {
      out()
          .println(
              ctx.outStyle()
                  .green(
                      "✅ Virtual machine created successfully with id "
                          + res.getCvmId()
                          + " and port "
                          + res.getForwardedPort()));
    }
    return ExitCode.OK;
  }

  private String orEnvironment(String flag, String variable) {
    if (flag != null) {
      return flag;
    }
    String value = ctx.getenv(variable);
    return value == null ? "" : value;
  }

  /** --ttl: a non-negative Go duration; 0 means no TTL, as upstream. */
  static final class TtlConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      Duration d;
      try {
        d = GoDuration.parse(value.strip());
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(
            "'" + value + "' is not a duration such as 90s, 45m or 1h30m");
      }
      if (d.isNegative()) {
        throw new TypeConversionException("'" + value + "' is negative");
      }
      return d;
    }
  }
}
