package io.cocos.manager.attestation.policy;

import io.cocos.manager.core.config.ConfigException;
import io.cocos.manager.core.config.Env;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Optional;

/**
 * Where the policy comes from: the upstream external tools, the IGVM image the CVMs launch with,
 * and the SNP host data they are given.
 */
public record AttestationConfig(
    Path policyBinary, Path igvmMeasureBinary, Optional<Path> pcrValues, Path igvmFile, Optional<byte[]> hostData) {

  public static AttestationConfig fromEnv(Env env) {
    Optional<byte[]> hostData = Optional.empty();
    if (env.bool("MANAGER_QEMU_ENABLE_HOST_DATA", false)) {
      String text = env.string("MANAGER_QEMU_HOST_DATA", "");
      hostData = Optional.of(Env.parse("MANAGER_QEMU_HOST_DATA", text, "base64 of exactly 32 bytes", t -> {
        byte[] b = Base64.getDecoder().decode(t);
        if (b.length != 32) {
          throw new IllegalArgumentException("length");
        }
        return b;
      }));
    }
    Path igvm = Path.of(env.string("MANAGER_QEMU_IGVM_FILE", "/root/coconut-qemu.igvm"));
    Optional<Path> pcr = env.path("MANAGER_PCR_VALUES");
    if (pcr.isPresent() && pcr.get().toString().contains("\0")) {
      throw new ConfigException("MANAGER_PCR_VALUES", pcr.get().toString(), "a file path");
    }
    return new AttestationConfig(
        Path.of(env.string("MANAGER_ATTESTATION_POLICY_BINARY", "../../build/attestation_policy")),
        Path.of(env.string("MANAGER_IGVMMEASURE_BINARY", "../../build/igvmmeasure")),
        pcr, igvm, hostData);
  }
}
