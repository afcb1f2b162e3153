package io.cocos.testcvms;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The test CVMS server's flags, named, described and checked as upstream's test/cvms/main.go does
 * them. Every flag is a string; lists are comma-separated.
 */
record Settings(
    String algoPath,
    List<String> dataPaths,
    String publicKeyPath,
    boolean attestedTls,
    String clientCaFile,
    String algoKbsUrl,
    String algoSourceUrl,
    String algoSourceType,
    String algoKbsPath,
    String datasetKbsUrls,
    String datasetSourceUrls,
    String datasetSourceType,
    String datasetKbsPaths,
    String algoType,
    String algoArgs,
    String algoHash,
    String datasetHash,
    String datasetDecompress) {

  /** Bad flags: the lines to print, then exit non-zero. */
  static final class UsageException extends Exception {
    UsageException(String message) {
      super(message, null, false, false);
    }
  }

  static GoFlags flags() {
    return new GoFlags()
        .define("algo-path", "Path to the algorithm (for direct upload mode)")
        .define("public-key-path", "Path to the public key file")
        .define("attested-tls-bool", "Should aTLS be used, must be 'true' or 'false'")
        .define(
            "data-paths",
            "Paths to data sources, list of string separated with commas (for direct upload mode)")
        .define("client-ca-file", "Client CA root certificate file path")
        .define("algo-kbs-url", "Algorithm-specific KBS endpoint URL")
        .define(
            "algo-source-url", "Algorithm source URL (docker://..., s3://..., https://..., etc.)")
        .define(
            "algo-source-type",
            "Algorithm source type (oci-image, s3, gcs, https, http). Auto-detected from URL if"
                + " empty.")
        .define("algo-kbs-path", "Algorithm KBS resource path (e.g., 'default/key/algo-key')")
        .define("dataset-kbs-urls", "Dataset-specific KBS endpoint URLs, comma-separated")
        .define("dataset-source-urls", "Dataset source URLs, comma-separated")
        .define(
            "dataset-source-type",
            "Dataset source type (oci-image, s3, gcs, https, http). Auto-detected from URL if"
                + " empty.")
        .define("dataset-kbs-paths", "Dataset KBS resource paths, comma-separated")
        .define("algo-type", "Algorithm execution type")
        .define("algo-args", "Algorithm arguments, comma-separated")
        .define("algo-hash", "Algorithm SHA256 hash (hex string)")
        .define("dataset-type", "Dataset source type (deprecated, use --dataset-source-type)")
        .define("dataset-hash", "Dataset SHA256 hash (hex string)")
        .define(
            "dataset-decompress", "Dataset decompression bools, comma-separated (e.g. true,false)");
  }

  /**
   * Parses and checks the command line. A flag Go would not parse: "Error parsing flags: ...";
   * flags missing or wrong: each problem on its own line, then "Usage :" and the flags, as
   * upstream.
   */
  static Settings parse(String... args) throws UsageException {
    GoFlags f = flags();
    try {
      f.parse(args);
    } catch (GoFlags.ParseException e) {
      // as Go's flag package: the problem (not for -h), the usage, then main's log.Fatalf line
      String problem = e.getMessage().equals(GoFlags.HELP) ? "" : e.getMessage() + "\n";
      throw new UsageException(
          problem
              + "Usage of tests/cvms/main.go:\n"
              + f.defaults()
              + "Error parsing flags: "
              + e.getMessage());
    }
    StringBuilder problems = new StringBuilder();
    if (f.get("algo-path").isEmpty()
        && (f.get("algo-source-url").isEmpty() || f.get("algo-kbs-path").isEmpty())) {
      problems.append("Either algo-path OR (algo-source-url AND algo-kbs-path) is required\n");
    }
    if (f.get("public-key-path").isEmpty()) {
      problems.append("Public key path is required\n");
    }
    Boolean attested = goBool(f.get("attested-tls-bool"));
    if (attested == null) {
      problems.append("Attested TLS flag is required and it must be a boolean value\n");
    }
    if (!problems.isEmpty()) {
      throw new UsageException("\n" + problems + "Usage :\n" + f.defaults());
    }
    List<String> dataPaths =
        f.get("data-paths").isEmpty()
            ? List.of()
            : new ArrayList<>(Arrays.asList(f.get("data-paths").split(",", -1)));
    return new Settings(
        f.get("algo-path"),
        dataPaths,
        f.get("public-key-path"),
        attested,
        f.get("client-ca-file"),
        f.get("algo-kbs-url"),
        f.get("algo-source-url"),
        f.get("algo-source-type"),
        f.get("algo-kbs-path"),
        f.get("dataset-kbs-urls"),
        f.get("dataset-source-urls"),
        f.get("dataset-source-type"),
        f.get("dataset-kbs-paths"),
        f.get("algo-type"),
        f.get("algo-args"),
        f.get("algo-hash"),
        f.get("dataset-hash"),
        f.get("dataset-decompress"));
  }

  /** Go's strconv.ParseBool; null where it fails. */
  static Boolean goBool(String s) {
    return switch (s) {
      case "1", "t", "T", "true", "TRUE", "True" -> true;
      case "0", "f", "F", "false", "FALSE", "False" -> false;
      default -> null;
    };
  }

  /** Go's strings.Split on a non-empty string; empty gives no element. */
  static List<String> split(String s) {
    return s.isEmpty() ? List.of() : Arrays.asList(s.split(",", -1));
  }
}
