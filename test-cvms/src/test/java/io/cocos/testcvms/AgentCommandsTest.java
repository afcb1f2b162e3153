package io.cocos.testcvms;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cocos.cli.ExitCode;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** cocos-cli algo, data and result against the stand-in agent: keys, refusals, messages. */
class AgentCommandsTest {
  static final String ECHO_BIN = "#!/bin/sh\nmkdir -p results && echo \"$@\" > results/args.txt\n";

  @TempDir Path dir;

  /**
   * Each kind cocos-cli keys makes; RSA also as upstream's keys command writes it, PKCS#1 bytes
   * under "PRIVATE KEY" (one 4096-bit key for both: generating it is the slow part).
   */
  @ParameterizedTest
  @ValueSource(strings = {"rsa", "ecdsa", "ed25519"})
  void keysOfEveryKindSignForAllThreeCommands(String type) throws Exception {
    Path keys = Walkthrough.keys(dir, type);
    walkthroughWith(keys.resolve("public.pem"), keys.resolve("private.pem"));
    if (type.equals("rsa")) {
      walkthroughWith(keys.resolve("public.pem"), upstreamRsaKey(keys.resolve("private.pem")));
    }
  }

  private Path upstreamRsaKey(Path pkcs8Pem) throws Exception {
    byte[] pkcs8;
    try (PemReader r = new PemReader(Files.newBufferedReader(pkcs8Pem))) {
      pkcs8 = r.readPemObject().getContent();
    }
    byte[] pkcs1 =
        PrivateKeyInfo.getInstance(pkcs8).parsePrivateKey().toASN1Primitive().getEncoded();
    Path upstream = dir.resolve("upstream-rsa.pem");
    try (PemWriter w = new PemWriter(Files.newBufferedWriter(upstream))) {
      w.writeObject(new PemObject("PRIVATE KEY", pkcs1));
    }
    return upstream;
  }

  private void walkthroughWith(Path publicKey, Path privateKey) throws Exception {
    Path algo = Files.writeString(dir.resolve("algo.sh"), ECHO_BIN);
    Path data = Files.writeString(dir.resolve("data.csv"), "1,2\n");
    try (Walkthrough w = new Walkthrough(dir, Walkthrough.flags(algo, publicKey, data))) {
      Path requirements = Files.writeString(dir.resolve("requirements.txt"), "numpy==2.0\n");
      Walkthrough.Run a =
          w.cli(
              "algo",
              algo.toString(),
              privateKey.toString(),
              "--args",
              "x",
              "--args",
              "y z",
              "-r",
              requirements.toString());
      assertThat(a.code()).as(a.err()).isZero();
      assertThat(w.agent.requirements()).isEqualTo(Files.readAllBytes(requirements));
      Walkthrough.Run d = w.cli("data", data.toString(), privateKey.toString(), "--decompress");
      assertThat(d.code()).as(d.err()).isZero();
      assertThat(
              w.agent
                  .lastDataHeaders()
                  .get(
                      io.grpc.Metadata.Key.of(
                          "decompress", io.grpc.Metadata.ASCII_STRING_MARSHALLER)))
          .isEqualTo("true");
      Walkthrough.Run r = w.cli("result", privateKey.toString());
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(WalkthroughEndToEndTest.entry(dir.resolve("results.zip"), "args.txt"))
          .isEqualTo("x y z\n");
    }
  }

  @Test
  void aKeyThatIsNotTheManifestsIsRefusedAndTheCommandFails() throws Exception {
    Path owner = Walkthrough.keys(dir, "ed25519");
    Path stranger = Walkthrough.keys(dir, "ecdsa");
    Path algo = Files.writeString(dir.resolve("algo.sh"), ECHO_BIN);
    try (Walkthrough w =
        new Walkthrough(dir, Walkthrough.flags(algo, owner.resolve("public.pem")))) {
      Walkthrough.Run a =
          w.cli("algo", algo.toString(), stranger.resolve("private.pem").toString());
      assertThat(a.code()).isEqualTo(ExitCode.REJECTED);
      assertThat(a.err())
          .isEqualTo("❌ Failed to upload algorithm due to error: signature verification failed\n");
      Walkthrough.Run r = w.cli("result", stranger.resolve("private.pem").toString());
      assertThat(r.code()).isEqualTo(ExitCode.REJECTED);
      assertThat(r.err())
          .isEqualTo("❌ Error retrieving computation result: signature verification failed\n");
      assertThat(dir.resolve("results.zip")).doesNotExist();
    }
  }

  @Test
  void aFileWhoseHashIsNotTheManifestsIsRefused() throws Exception {
    Path keys = Walkthrough.keys(dir, "ecdsa");
    Path algo = Files.writeString(dir.resolve("algo.sh"), ECHO_BIN);
    Path data = Files.writeString(dir.resolve("data.csv"), "1,2\n");
    try (Walkthrough w =
        new Walkthrough(dir, Walkthrough.flags(algo, keys.resolve("public.pem"), data))) {
      Path other = Files.writeString(dir.resolve("other.csv"), "1,3\n");
      Walkthrough.Run d = w.cli("data", other.toString(), keys.resolve("private.pem").toString());
      assertThat(d.code()).isEqualTo(ExitCode.REJECTED);
      assertThat(d.out()).startsWith("Uploading dataset: " + other);
      assertThat(d.err())
          .isEqualTo(
              "❌ Failed to upload dataset due to error: malformed data, hash does not match"
                  + " manifest\n");
      Walkthrough.Run r = w.cli("result", keys.resolve("private.pem").toString());
      assertThat(r.err()).contains("computation results are not yet ready");
    }
  }

  @Test
  void attestedTlsIsRefusedInOneLineAndNothingIsDialled() throws Exception {
    Path keys = Walkthrough.keys(dir, "ed25519");
    int unused = unusedPort();
    Map<String, String> env = Map.of("AGENT_GRPC_URL", "127.0.0.1:" + unused);
    String key = keys.resolve("private.pem").toString();
    for (Walkthrough.Run run :
        new Walkthrough.Run[] {
          Walkthrough.cliIn(
              dir,
              Map.of("AGENT_GRPC_URL", "127.0.0.1:" + unused, "AGENT_GRPC_ATTESTED_TLS", "true"),
              "result",
              key),
          Walkthrough.cliIn(dir, env, "algo", key, key, "--attested-tls"),
          Walkthrough.cliIn(dir, env, "data", key, key, "--attested-tls")
        }) {
      assertThat(run.code()).isEqualTo(ExitCode.LOCAL);
      assertThat(run.err().lines())
          .singleElement()
          .asString()
          .startsWith("❌ attested TLS needs a verifier of the agent's attestation report")
          .contains("does not have");
      assertThat(run.out()).doesNotContain("Connected");
    }
  }

  @Test
  void anAgentThatIsNotThereIsSaidInWordsWithItsOwnExitCode() throws Exception {
    Path keys = Walkthrough.keys(dir, "ed25519");
    int unused = unusedPort();
    Walkthrough.Run r =
        Walkthrough.cliIn(
            dir,
            Map.of("AGENT_GRPC_URL", "127.0.0.1:" + unused),
            "result",
            keys.resolve("private.pem").toString());
    assertThat(r.code()).isEqualTo(ExitCode.UNREACHABLE);
    assertThat(r.err())
        .startsWith(
            "❌ Failed to connect to agent: agent unreachable at 127.0.0.1:"
                + unused
                + ": connection refused")
        .endsWith(": agent service is unavailable\n");
    Walkthrough.Run bad =
        Walkthrough.cliIn(
            dir,
            Map.of("AGENT_GRPC_URL", "no-port"),
            "result",
            keys.resolve("private.pem").toString());
    assertThat(bad.code()).isEqualTo(ExitCode.LOCAL);
    assertThat(bad.err()).startsWith("❌ AGENT_GRPC_URL \"no-port\" is not host:port");
  }

  @Test
  void aFileThatIsNoPrivateKeyIsSaidAsUpstreamSaysIt() throws Exception {
    Path notKey = Files.writeString(dir.resolve("public.pem"), "hello\n");
    Walkthrough.Run r = Walkthrough.cliIn(dir, Map.of(), "result", notKey.toString());
    assertThat(r.code()).isEqualTo(ExitCode.LOCAL);
    assertThat(r.err()).isEqualTo("❌ Error decoding private key: error decoding key\n");
    Walkthrough.Run missing =
        Walkthrough.cliIn(dir, Map.of(), "algo", "nope.bin", notKey.toString());
    assertThat(missing.err())
        .isEqualTo("❌ Error reading algorithm file: open nope.bin: no such file or directory\n");
  }

  @Test
  void attestationGetSavesTheRawReportWithTheNoncesPadded() throws Exception {
    Path keys = Walkthrough.keys(dir, "ed25519");
    Path algo = Files.writeString(dir.resolve("algo.sh"), ECHO_BIN);
    try (Walkthrough w =
        new Walkthrough(dir, Walkthrough.flags(algo, keys.resolve("public.pem")))) {
      Walkthrough.Run get =
          w.cli("attestation", "get", "snp-vtpm", "--tee", "AB", "--vtpm", "cd01");
      assertThat(get.code()).as(get.err()).isZero();
      assertThat(get.out())
          .contains("Fetching SEV-SNP and vTPM report")
          .contains("Attestation retrieved and saved successfully!");
      assertThat(Files.readString(dir.resolve("attestation.bin")))
          .isEqualTo(
              StandInAgent.fakeReport(
                  2,
                  ByteString.copyFrom(HexFormat.of().parseHex("ab" + "00".repeat(63))),
                  ByteString.copyFrom(HexFormat.of().parseHex("cd01" + "00".repeat(30)))));

      Walkthrough.Run noNonce = w.cli("attestation", "get", "vtpm");
      assertThat(noNonce.code()).isEqualTo(ExitCode.USAGE);
      assertThat(noNonce.err()).isEqualTo("❌ vTPM nonce must be defined for vTPM attestation\n");
      Walkthrough.Run tooLong = w.cli("attestation", "get", "tdx", "--tee", "00".repeat(65));
      assertThat(tooLong.err())
          .isEqualTo("❌ nonce must be a hex encoded string of length lesser or equal 64 bytes\n");
      Walkthrough.Run token = w.cli("attestation", "get", "azure-token", "--token", "01");
      assertThat(token.code()).isEqualTo(ExitCode.REJECTED);
      assertThat(token.err())
          .isEqualTo(
              "❌ Failed to get attestation token due to error: failed to fetch attestation token :"
                  + " failed to get azure token\n");
      assertThat(dir.resolve("azure_attest_token.jwt")).doesNotExist();
    }
  }

  /** A port nothing listens on (it was free a moment ago, and nothing here takes it). */
  private static int unusedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
