package io.cocos.manager.attestation.policy;

import io.cocos.manager.core.cvm.ManagerException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SEV-SNP launch digest of the IGVM image the CVMs launch with, for {@code policy.measurement}:
 * printed by {@code <MANAGER_IGVMMEASURE_BINARY> <IGVM_FILE> measure -b} when that is an executable
 * file (upstream's way), otherwise computed natively. The choice is made on every call, so
 * installing or removing the binary takes effect without a restart; each change of path is logged
 * once, at info.
 *
 * <p>igvmmeasure runs are not serialised: upstream runs them outside its policy-tool lock, and they
 * only read the IGVM file.
 */
final class IgvmLaunchMeasurement {
  static final String IGVM_FILE_VARIABLE = "MANAGER_QEMU_IGVM_FILE";
  static final String BINARY_VARIABLE = "MANAGER_IGVMMEASURE_BINARY";

  /** An SEV-SNP launch digest is a SHA-384. */
  static final int DIGEST_BYTES = 48;

  private static final Logger log = LoggerFactory.getLogger(IgvmLaunchMeasurement.class);

  private enum Source {
    IGVMMEASURE,
    NATIVE
  }

  private final Path igvmFile;
  private final Path binary;
  private final ExternalTool tools;
  private final CachedIgvmMeasurer nativeMeasurer;
  private final AtomicReference<Source> lastSource = new AtomicReference<>();

  IgvmLaunchMeasurement(
      Path igvmFile, Path binary, ExternalTool tools, CachedIgvmMeasurer nativeMeasurer) {
    this.igvmFile = igvmFile;
    this.binary = binary;
    this.tools = tools;
    this.nativeMeasurer = nativeMeasurer;
  }

  /** The 48-byte launch digest. */
  byte[] digest() throws ManagerException, InterruptedException {
    if (!Files.exists(igvmFile)) {
      throw missingIgvmFile(IGVM_FILE_VARIABLE, igvmFile);
    }
    if (!Files.isRegularFile(igvmFile)) {
      throw ExternalTool.failure(
          IGVM_FILE_VARIABLE
              + "="
              + igvmFile
              + " is not a regular file: SEV-SNP CVMs "
              + "launch with this IGVM image, and the policy carries its measurement");
    }
    if (Files.isRegularFile(binary) && Files.isExecutable(binary)) {
      announce(
          Source.IGVMMEASURE, "running {} {} measure -b ({})", binary, igvmFile, BINARY_VARIABLE);
      return runIgvmmeasure();
    }
    announce(
        Source.NATIVE,
        "computing it natively: {}={} is not an executable file",
        BINARY_VARIABLE,
        binary);
    return nativeMeasurer.measure(igvmFile, IGVM_FILE_VARIABLE).bytes();
  }

  static ManagerException missingIgvmFile(String variable, Path file) {
    return ExternalTool.failure(
        variable
            + "="
            + file
            + " does not exist: SEV-SNP CVMs launch with this IGVM "
            + "image, and the policy carries its measurement");
  }

  /**
   * igvmmeasure prints exactly one line: the digest in hex. More lines are an error, as upstream.
   */
  private byte[] runIgvmmeasure() throws ManagerException, InterruptedException {
    String tool = "igvmmeasure " + binary + " (" + BINARY_VARIABLE + ")";
    ExternalTool.Output output =
        tools.run(tool, List.of(binary.toString(), igvmFile.toString(), "measure", "-b"));
    String printed = output.stdoutText().strip();
    String problem;
    if (printed.isEmpty()) {
      problem = "printed nothing";
    } else if (printed.lines().count() > 1) {
      problem =
          "printed "
              + printed.lines().count()
              + " lines where one line of hex was expected: "
              + ExternalTool.oneLine(printed);
    } else {
      try {
        byte[] digest = HexFormat.of().parseHex(printed);
        if (digest.length == DIGEST_BYTES) {
          return digest;
        }
        problem =
            "printed "
                + digest.length
                + " bytes of hex where a "
                + DIGEST_BYTES
                + "-byte launch digest "
                + "was expected: "
                + ExternalTool.oneLine(printed);
      } catch (IllegalArgumentException e) {
        problem = "printed \"" + ExternalTool.oneLine(printed) + "\", which is not hex";
      }
    }
    throw ExternalTool.failure(
        tool + " exited with code 0 but " + problem + ExternalTool.stderrSuffix(output.stderr()));
  }

  private void announce(Source source, String message, Object... args) {
    if (lastSource.getAndSet(source) != source) {
      log.info("IGVM launch measurement: " + message, args);
    }
  }
}
