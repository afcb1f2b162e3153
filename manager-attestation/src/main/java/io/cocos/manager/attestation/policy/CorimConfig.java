package io.cocos.manager.attestation.policy;

import io.cocos.manager.attestation.corim.CorimSigner;
import io.cocos.manager.attestation.corim.ReferenceValues;
import io.cocos.manager.core.config.ConfigException;
import io.cocos.manager.core.config.Env;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The attestation policy's format and, for CoRIM, what goes into it beyond the CVM's launch values.
 * Read apart from {@link AttestationConfig}, which says where the JSON policy's tools are.
 *
 * @param format MANAGER_ATTESTATION_POLICY_FORMAT
 * @param signer MANAGER_CORIM_SIGNING_KEY loaded (CoRIM format only): the CoRIM is signed when
 *     present
 * @param cpu MANAGER_QEMU_CPU as set, the CPU model the environment's instance id is derived from
 * @param tdxMrtd MANAGER_CORIM_TDX_MRTD, upstream's default when empty
 * @param tdxMrSeam MANAGER_CORIM_TDX_MRSEAM, upstream's default when empty
 * @param tdxRtmrs MANAGER_CORIM_TDX_RTMRS, upstream's defaults when empty
 * @param warnings what start-up should log at warn (a signing key others can read)
 */
public record CorimConfig(
    PolicyFormat format,
    Optional<CorimSigner> signer,
    Optional<String> cpu,
    Optional<byte[]> tdxMrtd,
    Optional<byte[]> tdxMrSeam,
    Optional<List<byte[]>> tdxRtmrs,
    List<String> warnings) {

  static final String FORMAT_VARIABLE = "MANAGER_ATTESTATION_POLICY_FORMAT";
  static final String SIGNING_KEY_VARIABLE = "MANAGER_CORIM_SIGNING_KEY";

  /**
   * What the CPU model defaults to in the QEMU configuration (SEV-SNP) when MANAGER_QEMU_CPU is
   * unset.
   */
  static final String DEFAULT_SNP_CPU = "EPYC";

  /** ... and for TDX, whose guests run with the host's CPU model. */
  static final String DEFAULT_TDX_CPU = "host";

  /** The policy AttestationPolicy returns. */
  public enum PolicyFormat {
    /**
     * The SEV-SNP policy JSON of the attestation-policy tool, edited (attestation.md); TDX: the
     * tool's output.
     */
    JSON,
    /** A CoRIM (CBOR), COSE_Sign1-signed when a signing key is configured. */
    CORIM
  }

  public CorimConfig {
    Objects.requireNonNull(format);
    Objects.requireNonNull(signer);
    Objects.requireNonNull(cpu);
    Objects.requireNonNull(tdxMrtd);
    Objects.requireNonNull(tdxMrSeam);
    Objects.requireNonNull(tdxRtmrs);
    warnings = List.copyOf(warnings);
  }

  /** The JSON format: the seed's behaviour. */
  public static CorimConfig json() {
    return new CorimConfig(
        PolicyFormat.JSON,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        List.of());
  }

  /**
   * Reads the variables; the signing key is loaded (and checked) here, so a bad key stops start-up.
   *
   * @throws ConfigException naming the first bad variable; never quoting key material
   */
  public static CorimConfig fromEnv(Env env) {
    PolicyFormat format =
        PolicyFormat.valueOf(
            env.oneOf(FORMAT_VARIABLE, "json", "json", "corim").toUpperCase(Locale.ROOT));
    if (format == PolicyFormat.JSON) {
      return json();
    }
    Optional<CorimSigner> signer = Optional.empty();
    List<String> warnings = new ArrayList<>();
    Optional<String> keyPath = env.raw(SIGNING_KEY_VARIABLE).filter(v -> !v.isEmpty());
    if (keyPath.isPresent()) {
      Path pem = Env.parse(SIGNING_KEY_VARIABLE, keyPath.get(), "a file path", Path::of);
      try {
        signer = Optional.of(CorimSigner.load(pem));
      } catch (CorimSigner.SigningKeyException e) {
        throw new ConfigException(
            SIGNING_KEY_VARIABLE,
            keyPath.get(),
            "a PEM EC P-256 or P-384 private key (PKCS#8 or SEC1), but the file " + e.getMessage());
      }
      readableByOthers(pem)
          .ifPresent(
              mode ->
                  warnings.add(
                      SIGNING_KEY_VARIABLE
                          + "="
                          + keyPath.get()
                          + " can be read by others than its owner ("
                          + mode
                          + "): a private key should be 0600"));
    }
    return new CorimConfig(
        format,
        signer,
        env.raw("MANAGER_QEMU_CPU").filter(v -> !v.isBlank()),
        register(env, "MANAGER_CORIM_TDX_MRTD"),
        register(env, "MANAGER_CORIM_TDX_MRSEAM"),
        rtmrs(env, "MANAGER_CORIM_TDX_RTMRS"),
        warnings);
  }

  /** The file's permissions, when group or others may read it. */
  private static Optional<String> readableByOthers(Path file) {
    try {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
      if (permissions.contains(PosixFilePermission.GROUP_READ)
          || permissions.contains(PosixFilePermission.OTHERS_READ)) {
        return Optional.of(PosixFilePermissions.toString(permissions));
      }
    } catch (IOException | UnsupportedOperationException e) {
      // the key was just read; a file system without POSIX permissions has nothing to warn about
    }
    return Optional.empty();
  }

  /** For the start-up log: the format, and how CoRIMs are signed (never the key itself). */
  public String describe() {
    if (format == PolicyFormat.JSON) {
      return "json";
    }
    return signer
        .map(s -> "corim, signed " + s.algorithm() + " with the key of " + SIGNING_KEY_VARIABLE)
        .orElse("corim, unsigned (" + SIGNING_KEY_VARIABLE + " unset)");
  }

  /**
   * The CPU model a CVM of this platform runs with: MANAGER_QEMU_CPU, or the QEMU configuration's
   * default.
   */
  String cpuFor(boolean tdx) {
    return cpu.orElse(tdx ? DEFAULT_TDX_CPU : DEFAULT_SNP_CPU);
  }

  private static Optional<byte[]> register(Env env, String name) {
    return parsedIfSet(
        env,
        name,
        ReferenceValues.SHA384_BYTES
            + " bytes in hex ("
            + 2 * ReferenceValues.SHA384_BYTES
            + " hex digits)",
        CorimConfig::sha384Hex);
  }

  private static Optional<List<byte[]>> rtmrs(Env env, String name) {
    return parsedIfSet(
        env,
        name,
        "1 to "
            + ReferenceValues.Tdx.MAX_RTMRS
            + " comma-separated RTMRs, each "
            + ReferenceValues.SHA384_BYTES
            + " bytes in hex",
        CorimConfig::rtmrList);
  }

  /** A variable's value parsed, when it is set and not blank. */
  private static <T> Optional<T> parsedIfSet(
      Env env, String name, String expected, Function<String, T> parser) {
    return env.raw(name).filter(v -> !v.isBlank()).map(v -> Env.parse(name, v, expected, parser));
  }

  private static List<byte[]> rtmrList(String text) {
    List<byte[]> list =
        Arrays.stream(text.split(",", -1)).map(String::strip).map(CorimConfig::sha384Hex).toList();
    if (list.size() > ReferenceValues.Tdx.MAX_RTMRS) {
      throw new IllegalArgumentException("too many");
    }
    return list;
  }

  private static byte[] sha384Hex(String text) {
    byte[] b = HexFormat.of().parseHex(text.strip());
    if (b.length != ReferenceValues.SHA384_BYTES) {
      throw new IllegalArgumentException("length " + b.length);
    }
    return b;
  }
}
