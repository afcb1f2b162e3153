package io.cocos.manager.attestation.policy;

import io.cocos.manager.core.config.ConfigException;
import io.cocos.manager.core.config.Env;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the policy comes from: the upstream external tools, the IGVM image the CVMs launch with,
 * and the SNP host data they are given.
 *
 * @param policyBinary MANAGER_ATTESTATION_POLICY_BINARY, else attestation_policy in
 *     MANAGER_ATTESTATION_POLICY_BINARY_PATH; prints the host's base policy
 * @param igvmMeasureBinary MANAGER_IGVMMEASURE_BINARY, else igvmmeasure in
 *     MANAGER_ATTESTATION_POLICY_BINARY_PATH; when it is not an executable file the measurement is
 *     computed natively
 * @param pcrValues MANAGER_PCR_VALUES, passed to the policy tool as {@code --pcr FILE}
 * @param igvmFile MANAGER_QEMU_IGVM_FILE, the image every SEV-SNP CVM launches with
 * @param hostData the canonical base64 of the 32 bytes of MANAGER_QEMU_HOST_DATA, present when
 *     MANAGER_QEMU_ENABLE_HOST_DATA is true
 * @param toolTimeout MANAGER_ATTESTATION_TOOL_TIMEOUT, the time limit of each tool run
 * @param privilegePrefix what the SEV-SNP policy tool's command starts with: {@code sudo -n} unless
 *     the manager runs as root (upstream always uses sudo; -n makes a missing sudo rule fail at
 *     once instead of waiting for a password nobody will type)
 */
public record AttestationConfig(
    Path policyBinary,
    Path igvmMeasureBinary,
    Optional<Path> pcrValues,
    Path igvmFile,
    Optional<String> hostData,
    Duration toolTimeout,
    List<String> privilegePrefix) {

  static final Duration DEFAULT_TOOL_TIMEOUT = Duration.ofSeconds(60);

  /** Upstream's name: the directory holding attestation_policy and igvmmeasure. */
  static final String TOOL_DIRECTORY_VARIABLE = "MANAGER_ATTESTATION_POLICY_BINARY_PATH";

  private static final int HOST_DATA_BYTES = 32;

  public AttestationConfig {
    Objects.requireNonNull(policyBinary, "policyBinary");
    Objects.requireNonNull(igvmMeasureBinary, "igvmMeasureBinary");
    Objects.requireNonNull(pcrValues, "pcrValues");
    Objects.requireNonNull(igvmFile, "igvmFile");
    Objects.requireNonNull(hostData, "hostData");
    Objects.requireNonNull(toolTimeout, "toolTimeout");
    if (toolTimeout.isNegative() || toolTimeout.isZero()) {
      throw new IllegalArgumentException("the tool timeout must be positive: " + toolTimeout);
    }
    privilegePrefix = List.copyOf(privilegePrefix);
  }

  public static AttestationConfig fromEnv(Env env) {
    return fromEnv(env, EffectiveUser.isRoot());
  }

  static AttestationConfig fromEnv(Env env, boolean runsAsRoot) {
    Optional<String> hostData = Optional.empty();
    if (env.bool("MANAGER_QEMU_ENABLE_HOST_DATA", false)) {
      String text = env.string("MANAGER_QEMU_HOST_DATA", "");
      hostData =
          Optional.of(
              Env.parse(
                  "MANAGER_QEMU_HOST_DATA",
                  text,
                  "base64 of exactly "
                      + HOST_DATA_BYTES
                      + " bytes (MANAGER_QEMU_ENABLE_HOST_DATA=true)",
                  t -> {
                    byte[] b = Base64.getDecoder().decode(t);
                    if (b.length != HOST_DATA_BYTES) {
                      throw new IllegalArgumentException("length " + b.length);
                    }
                    return Base64.getEncoder().encodeToString(b);
                  }));
    }
    Duration timeout = env.duration("MANAGER_ATTESTATION_TOOL_TIMEOUT", DEFAULT_TOOL_TIMEOUT);
    if (timeout.isNegative() || timeout.isZero()) {
      throw new ConfigException(
          "MANAGER_ATTESTATION_TOOL_TIMEOUT",
          env.raw("MANAGER_ATTESTATION_TOOL_TIMEOUT").orElse(""),
          "a positive duration such as 60s or 500ms");
    }
    Path toolDirectory = path(env, TOOL_DIRECTORY_VARIABLE, "../../build");
    return new AttestationConfig(
        tool(env, "MANAGER_ATTESTATION_POLICY_BINARY", toolDirectory, "attestation_policy"),
        tool(env, "MANAGER_IGVMMEASURE_BINARY", toolDirectory, "igvmmeasure"),
        env.raw("MANAGER_PCR_VALUES")
            .map(v -> Env.parse("MANAGER_PCR_VALUES", v, "a file path", Path::of)),
        path(env, "MANAGER_QEMU_IGVM_FILE", "/root/coconut-qemu.igvm"),
        hostData,
        timeout,
        runsAsRoot ? List.of() : List.of("sudo", "-n"));
  }

  /**
   * A tool's path: its own variable (the seed's) when set, else the file of that name in upstream's
   * MANAGER_ATTESTATION_POLICY_BINARY_PATH directory. The specific setting wins over the general
   * one, so a deployment that names one binary elsewhere still finds the other in the directory.
   */
  private static Path tool(Env env, String variable, Path toolDirectory, String fileName) {
    return env.raw(variable).isPresent()
        ? path(env, variable, "")
        : toolDirectory.resolve(fileName);
  }

  /** A path variable; a value the platform cannot use as a path (a NUL byte) names the variable. */
  private static Path path(Env env, String name, String defaultValue) {
    return Env.parse(name, env.string(name, defaultValue), "a file path", Path::of);
  }
}
