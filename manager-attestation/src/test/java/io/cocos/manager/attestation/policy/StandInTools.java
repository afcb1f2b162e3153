package io.cocos.manager.attestation.policy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * Bash scripts standing in for the external tools, which need /dev/sev, written into a test's
 * temporary directory. The stand-ins record their arguments in {@code <name>.argv}, one per line,
 * so a test can tell whether and how a tool was run.
 */
final class StandInTools {
  /** The launch TCB the example prints: above Long.MAX_VALUE, so only right if kept unsigned. */
  static final String EXAMPLE_TCB = "15352208179752599555";

  /** The example policy of attestation.md, with real-sized base64 values and PCR values. */
  static final String EXAMPLE_POLICY =
      """
      {
        "pcr_values": {
          "sha256": {"0": "%s", "1": "%s"},
          "sha384": {"0": "%s"}
        },
        "policy": {
          "chip_id": "%s", "family_id": "%s", "image_id": "%s",
          "host_data": "%s", "measurement": "%s", "report_id_ma": "%s",
          "minimum_build": 8, "minimum_launch_tcb": %s, "minimum_tcb": %s,
          "minimum_version": "1.55", "permit_provisional_firmware": true, "policy": 196608,
          "product": {"name": 1}, "require_author_key": false, "require_id_block": false, "vmpl": 2
        },
        "root_of_trust": { "check_crl": true, "disallow_network": false, "product": "Milan", "product_line": "Milan" }
      }
      """
          .formatted(
              "ab".repeat(32),
              "cd".repeat(32),
              "ef".repeat(48),
              base64(64, 1),
              base64(16, 2),
              base64(16, 3),
              base64(32, 4),
              base64(48, 5),
              base64(32, 6),
              EXAMPLE_TCB,
              EXAMPLE_TCB);

  private final Path dir;

  StandInTools(Path dir) {
    this.dir = dir;
  }

  /** {@code n} bytes counting up from {@code first}, in base64. */
  static String base64(int n, int first) {
    byte[] b = new byte[n];
    IntStream.range(0, n).forEach(i -> b[i] = (byte) (first + i));
    return Base64.getEncoder().encodeToString(b);
  }

  /**
   * A policy tool printing {@code json} (which a test may change later with {@link
   * #setPolicyOutput}).
   */
  Path policyTool(String json) {
    setPolicyOutput(json);
    return script("attestation_policy", "cat " + quote(dir.resolve("policy.json")));
  }

  void setPolicyOutput(String json) {
    write(dir.resolve("policy.json"), json);
  }

  /** An igvmmeasure printing {@code stdout} as it is. */
  Path igvmmeasure(String stdout) {
    write(dir.resolve("igvmmeasure.out"), stdout);
    return script("igvmmeasure", "cat " + quote(dir.resolve("igvmmeasure.out")));
  }

  /** A tool that prints {@code stderr} to stderr and exits with {@code code}. */
  Path failing(String name, int code, String stderr) {
    return script(name, "printf '%s\\n' " + quote(stderr) + " >&2\nexit " + code);
  }

  /**
   * A tool that never finishes: it records its pid in {@code <name>.pid} and the pid of a child it
   * waits for in {@code <name>.child}, so a test can check both are gone after a timeout.
   */
  Path hanging(String name) {
    return script(
        name,
        "echo $$ > "
            + quote(dir.resolve(name + ".pid"))
            + "\n"
            + "sleep 600 &\n"
            + "echo $! > "
            + quote(dir.resolve(name + ".child"))
            + "\n"
            + "echo 'waiting for /dev/sev' >&2\n"
            + "wait");
  }

  /** An executable bash script that records its arguments, then runs {@code body}. */
  Path script(String name, String body) {
    Path argv = dir.resolve(name + ".argv");
    Path script = dir.resolve(name);
    write(
        script,
        "#!/bin/bash\n"
            + ": > "
            + quote(argv)
            + "\n"
            + "for a in \"$@\"; do printf '%s\\n' \"$a\" >> "
            + quote(argv)
            + "; done\n"
            + body
            + "\n");
    try {
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return script;
  }

  /** The arguments the stand-in {@code name} was last run with; empty if it never ran. */
  Optional<List<String>> argv(String name) {
    Path argv = dir.resolve(name + ".argv");
    if (!Files.exists(argv)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Files.readAllLines(argv, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A pid a stand-in recorded in {@code file}. */
  long recordedPid(String file) {
    try {
      return Long.parseLong(Files.readString(dir.resolve(file)).strip());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path dir() {
    return dir;
  }

  static void write(Path file, String text) {
    try {
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Single-quoted for bash. */
  static String quote(Object value) {
    return "'" + value.toString().replace("'", "'\\''") + "'";
  }
}
