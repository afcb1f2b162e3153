package io.cocos.testcvms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cocos.agent.cvms.ComputationRunReq;
import io.cocos.agent.cvms.ServerStreamMessage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manifest's contents and its cutting into runReqChunks, as upstream's. */
class ManifestTest {
  private static final String PUBLIC_PEM =
      "-----BEGIN PUBLIC KEY-----\n"
          + Base64.getMimeEncoder().encodeToString("not really a key, just DER bytes".getBytes())
          + "\n-----END PUBLIC KEY-----\n";

  @TempDir Path dir;

  /** Flags for a remote algorithm, plus these. */
  private Settings remote(Path key, String... more) throws Settings.UsageException {
    List<String> args =
        new ArrayList<>(
            List.of(
                "-public-key-path",
                key.toString(),
                "-attested-tls-bool",
                "false",
                "-algo-source-url",
                "s3://b/algo",
                "-algo-kbs-path",
                "default/key/algo"));
    args.addAll(List.of(more));
    return Settings.parse(args.toArray(String[]::new));
  }

  private final List<String> info = new ArrayList<>();

  @Test
  void checksumsAreSha3Of256BitsInHex() throws Exception {
    // FIPS 202 test vectors
    assertThat(Checksums.sha3Hex(Files.writeString(dir.resolve("abc"), "abc")))
        .isEqualTo("3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
    assertThat(Checksums.sha3Hex(Files.createFile(dir.resolve("empty"))))
        .isEqualTo("a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
  }

  @Test
  void localFilesGiveTheirHashesAndThePublicKeysDerIsEveryUserKey() throws Exception {
    Path algo = Files.writeString(dir.resolve("algo"), "abc");
    Path data = Files.writeString(dir.resolve("data.csv"), "");
    Path key = Files.writeString(dir.resolve("public.pem"), PUBLIC_PEM);
    Settings s =
        Settings.parse(
            "-algo-path",
            algo.toString(),
            "-data-paths",
            data + "," + data,
            "-public-key-path",
            key.toString(),
            "-attested-tls-bool",
            "true",
            "-client-ca-file",
            "/ca.pem",
            "-algo-type",
            "python",
            "-algo-args",
            "--a,5");
    ComputationRunReq req = Manifest.build(s, (msg, attrs) -> info.add(msg + " " + attrs[3]));

    ByteString der = ByteString.copyFromUtf8("not really a key, just DER bytes");
    assertThat(req.getId()).isEqualTo("1");
    assertThat(req.getName()).isEqualTo("sample computation");
    assertThat(req.getAlgorithm().getHash().toByteArray())
        .isEqualTo(
            HexFormat.of()
                .parseHex("3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"));
    assertThat(req.getAlgorithm().getAlgoType()).isEqualTo("python");
    assertThat(req.getAlgorithm().getAlgoArgsList()).containsExactly("--a", "5");
    assertThat(req.getAlgorithm().getUserKey()).isEqualTo(der);
    assertThat(req.getDatasetsList())
        .hasSize(2)
        .allSatisfy(d -> assertThat(d.getUserKey()).isEqualTo(der))
        .allSatisfy(d -> assertThat(d.getFilename()).isEmpty());
    assertThat(req.getResultConsumersList())
        .singleElement()
        .satisfies(c -> assertThat(c.getUserKey()).isEqualTo(der));
    assertThat(req.getAgentConfig().getPort()).isEqualTo("7002");
    assertThat(req.getAgentConfig().getAttestedTls()).isTrue();
    assertThat(req.getAgentConfig().getClientCaFile()).isEqualTo("/ca.pem");
    assertThat(info)
        .contains(
            "local algorithm checksum 3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
  }

  @Test
  void remoteResourcesCarryTheirSourcesAndKbs() throws Exception {
    Path key = Files.writeString(dir.resolve("public.pem"), PUBLIC_PEM);
    String hash = "11".repeat(32);
    Settings s =
        remote(
            key,
            "-algo-kbs-url",
            "http://kbs:8080",
            "-algo-hash",
            hash,
            "-dataset-source-urls",
            "https://x/1,https://x/2",
            "-dataset-kbs-paths",
            "default/key/d1,default/key/d2",
            "-dataset-kbs-urls",
            ",http://kbs2",
            "-dataset-decompress",
            "true,false");
    ComputationRunReq req = Manifest.build(s, (m, a) -> {});
    assertThat(req.getAlgorithm().getSource().getType()).isEqualTo("oci-image");
    assertThat(req.getAlgorithm().getSource().getEncrypted()).isTrue();
    assertThat(req.getAlgorithm().getKbs().getUrl()).isEqualTo("http://kbs:8080");
    assertThat(req.getAlgorithm().getHash().toByteArray()).isEqualTo(HexFormat.of().parseHex(hash));
    assertThat(req.getDatasets(0).getFilename()).isEqualTo("dataset_0.csv");
    assertThat(req.getDatasets(0).getDecompress()).isTrue();
    assertThat(req.getDatasets(0).hasKbs()).isFalse();
    assertThat(req.getDatasets(1).getKbs().getUrl()).isEqualTo("http://kbs2");
    assertThat(req.getDatasets(1).getHash()).isEqualTo(ByteString.copyFrom(new byte[32]));

    Settings shortHash = remote(key, "-algo-hash", "abcd");
    assertThatThrownBy(() -> Manifest.build(shortHash, (m, a) -> {}))
        .hasMessage("algo hash must be 32 bytes (SHA256), got 2");
  }

  @Test
  void aMissingDatasetIsReportedAndNothingIsBuilt() throws Exception {
    Path key = Files.writeString(dir.resolve("public.pem"), PUBLIC_PEM);
    Settings s =
        Settings.parse(
            "-algo-path",
            key.toString(),
            "-data-paths",
            dir.resolve("gone.csv").toString(),
            "-public-key-path",
            key.toString(),
            "-attested-tls-bool",
            "false");
    assertThatThrownBy(() -> Manifest.build(s, (m, a) -> {}))
        .hasMessage("data file does not exist: " + dir.resolve("gone.csv"));
  }

  @Test
  void chunksAreOneMebibyteEachThenAnEmptyLastOne() {
    ComputationRunReq small = ComputationRunReq.newBuilder().setId("1").setName("n").build();
    List<ServerStreamMessage> chunks = Manifest.chunks(small);
    assertThat(chunks).hasSize(2);
    assertThat(chunks.get(0).getRunReqChunks().getData()).isEqualTo(small.toByteString());
    assertThat(chunks.get(0).getRunReqChunks().getIsLast()).isFalse();
    assertThat(chunks.get(1).getRunReqChunks().getData()).isEmpty();
    assertThat(chunks.get(1).getRunReqChunks().getIsLast()).isTrue();
    assertThat(chunks.get(1).getRunReqChunks().getId()).isEqualTo("1");
    // on the wire as upstream's: runReqChunks = field 1 of ServerStreamMessage; in it id = 2,
    // is_last = 3, and the empty data (1) not written
    assertThat(chunks.get(1).toByteArray())
        .containsExactly(0x0a, 0x05, 0x12, 0x01, '1', 0x18, 0x01);

    ComputationRunReq big =
        ComputationRunReq.newBuilder()
            .setId("1")
            .setDescription("d".repeat(Manifest.CHUNK_SIZE + 10))
            .build();
    List<ServerStreamMessage> bigChunks = Manifest.chunks(big);
    assertThat(bigChunks).hasSize(3);
    assertThat(bigChunks.get(0).getRunReqChunks().getData().size()).isEqualTo(Manifest.CHUNK_SIZE);
    ByteArrayOutputStream joined = new ByteArrayOutputStream();
    bigChunks.forEach(c -> joined.writeBytes(c.getRunReqChunks().getData().toByteArray()));
    assertThat(joined.toByteArray()).isEqualTo(big.toByteArray());
    assertThat(new String(joined.toByteArray(), StandardCharsets.ISO_8859_1)).contains("ddd");
  }
}
