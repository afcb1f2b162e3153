package io.cocos.testcvms;

import com.google.protobuf.ByteString;
import io.cocos.agent.cvms.AgentConfig;
import io.cocos.agent.cvms.Algorithm;
import io.cocos.agent.cvms.ComputationRunReq;
import io.cocos.agent.cvms.Dataset;
import io.cocos.agent.cvms.KBSConfig;
import io.cocos.agent.cvms.ResultConsumer;
import io.cocos.agent.cvms.RunReqChunks;
import io.cocos.agent.cvms.ServerStreamMessage;
import io.cocos.agent.cvms.Source;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The computation manifest upstream's test CVMS server sends every agent (its svc.Run), built anew
 * for each connection from the flags and the files they name, and cut into runReqChunks as
 * upstream's cvms gRPC server cuts it.
 */
final class Manifest {
  static final int CHUNK_SIZE = 1024 * 1024;

  /** The manifest cannot be built; upstream logs this and sends nothing. */
  static final class ManifestException extends Exception {
    ManifestException(String message) {
      super(message, null, false, false);
    }
  }

  private Manifest() {}

  /**
   * @param info where the checksums of local files are reported (message, attributes as pairs)
   */
  static ComputationRunReq build(Settings s, BiConsumer<String, String[]> info)
      throws ManifestException {
    ByteString userKey = publicKeyDer(s.publicKeyPath());
    List<Dataset> datasets = new ArrayList<>();
    List<String> urls = Settings.split(s.datasetSourceUrls());
    List<String> kbsPaths = Settings.split(s.datasetKbsPaths());
    List<String> kbsUrls = Settings.split(s.datasetKbsUrls());
    List<Boolean> decompress = new ArrayList<>();
    for (String p : Settings.split(s.datasetDecompress())) {
      decompress.add(Boolean.TRUE.equals(Settings.goBool(p)));
    }
    ByteString dataHash = hash(s.datasetHash(), "dataset");
    if (!urls.isEmpty() && !kbsPaths.isEmpty()) {
      if (urls.size() != kbsPaths.size()) {
        throw new ManifestException("dataset source URLs and KBS paths must have the same count");
      }
      for (int i = 0; i < urls.size(); i++) {
        Dataset.Builder d =
            Dataset.newBuilder()
                .setHash(dataHash)
                .setUserKey(userKey)
                .setFilename("dataset_" + i + ".csv")
                .setSource(
                    Source.newBuilder()
                        .setType(
                            s.datasetSourceType().isEmpty() ? "oci-image" : s.datasetSourceType())
                        .setUrl(urls.get(i))
                        .setKbsResourcePath(kbsPaths.get(i))
                        .setEncrypted(!kbsPaths.get(i).isEmpty()));
        if (kbsUrls.size() > i && !kbsUrls.get(i).isEmpty()) {
          d.setKbs(KBSConfig.newBuilder().setUrl(kbsUrls.get(i)).setEnabled(true));
        }
        if (decompress.size() > i) {
          d.setDecompress(decompress.get(i));
        }
        datasets.add(d.build());
      }
    } else {
      for (String dataPath : s.dataPaths()) {
        Path file = Path.of(dataPath);
        if (!Files.exists(file)) {
          throw new ManifestException("data file does not exist: " + dataPath);
        }
        String hex = checksum(file);
        info.accept("local dataset checksum", new String[] {"path", dataPath, "hash", hex});
        datasets.add(
            Dataset.newBuilder()
                .setHash(ByteString.copyFrom(HexFormat.of().parseHex(hex)))
                .setUserKey(userKey)
                .build());
      }
    }

    List<String> algoArgs = Settings.split(s.algoArgs());
    Algorithm.Builder algorithm =
        Algorithm.newBuilder()
            .setUserKey(userKey)
            .setAlgoType(s.algoType())
            .addAllAlgoArgs(algoArgs);
    if (!s.algoSourceUrl().isEmpty() && !s.algoKbsPath().isEmpty()) {
      algorithm
          .setHash(hash(s.algoHash(), "algo"))
          .setSource(
              Source.newBuilder()
                  .setType(s.algoSourceType().isEmpty() ? "oci-image" : s.algoSourceType())
                  .setUrl(s.algoSourceUrl())
                  .setKbsResourcePath(s.algoKbsPath())
                  .setEncrypted(true));
      if (!s.algoKbsUrl().isEmpty()) {
        algorithm.setKbs(KBSConfig.newBuilder().setUrl(s.algoKbsUrl()).setEnabled(true));
      }
    } else {
      String hex = checksum(Path.of(s.algoPath()));
      info.accept("local algorithm checksum", new String[] {"path", s.algoPath(), "hash", hex});
      algorithm.setHash(ByteString.copyFrom(HexFormat.of().parseHex(hex)));
    }

    return ComputationRunReq.newBuilder()
        .setId("1")
        .setName("sample computation")
        .setDescription("sample descrption") // sic: upstream's spelling, kept for the same bytes
        .addAllDatasets(datasets)
        .setAlgorithm(algorithm)
        .addResultConsumers(ResultConsumer.newBuilder().setUserKey(userKey))
        .setAgentConfig(
            AgentConfig.newBuilder()
                .setPort("7002")
                .setAttestedTls(s.attestedTls())
                .setClientCaFile(s.clientCaFile()))
        .build();
  }

  /**
   * The manifest as upstream's server sends it: the serialized request in 1 MiB pieces, then an
   * empty piece with is_last set (Go's bytes.Buffer reports the end on the read after the last
   * byte).
   */
  static List<ServerStreamMessage> chunks(ComputationRunReq req) {
    byte[] data = req.toByteArray();
    List<ServerStreamMessage> out = new ArrayList<>();
    for (int off = 0; off < data.length; off += CHUNK_SIZE) {
      int n = Math.min(CHUNK_SIZE, data.length - off);
      out.add(chunk(req.getId(), ByteString.copyFrom(data, off, n), false));
    }
    out.add(chunk(req.getId(), ByteString.EMPTY, true));
    return out;
  }

  private static ServerStreamMessage chunk(String id, ByteString data, boolean last) {
    return ServerStreamMessage.newBuilder()
        .setRunReqChunks(RunReqChunks.newBuilder().setId(id).setData(data).setIsLast(last))
        .build();
  }

  /** pem.Decode(...).Bytes of upstream: the first PEM block's contents, whatever its label. */
  static ByteString publicKeyDer(String path) throws ManifestException {
    String text;
    try {
      text = Files.readString(Path.of(path), StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new ManifestException("failed to read public key file: " + e);
    }
    int begin = text.indexOf("-----BEGIN ");
    int headerEnd = begin < 0 ? -1 : text.indexOf("-----", begin + 11);
    int end = headerEnd < 0 ? -1 : text.indexOf("-----END ", headerEnd);
    if (end < 0) {
      throw new ManifestException("failed to decode public key file " + path + ": no PEM block");
    }
    String body = text.substring(headerEnd + 5, end).replaceAll("\\s", "");
    try {
      return ByteString.copyFrom(Base64.getDecoder().decode(body));
    } catch (IllegalArgumentException e) {
      throw new ManifestException(
          "failed to decode public key file " + path + ": " + e.getMessage());
    }
  }

  private static ByteString hash(String hex, String what) throws ManifestException {
    if (hex.isEmpty()) {
      return ByteString.copyFrom(new byte[32]);
    }
    byte[] bytes;
    try {
      bytes = HexFormat.of().parseHex(hex);
    } catch (IllegalArgumentException e) {
      throw new ManifestException("failed to decode " + what + " hash: " + e.getMessage());
    }
    if (bytes.length != 32) {
      throw new ManifestException(what + " hash must be 32 bytes (SHA256), got " + bytes.length);
    }
    return ByteString.copyFrom(bytes);
  }

  private static String checksum(Path file) throws ManifestException {
    try {
      return Checksums.sha3Hex(file);
    } catch (IOException e) {
      throw new ManifestException("failed to calculate checksum: " + e);
    }
  }
}
