package io.cocos.manager.attestation.measure;

import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/** A launch digest: 48 bytes (SHA-384) for SEV-SNP, 32 (SHA-256) for SEV and SEV-ES. Immutable. */
public final class LaunchDigest {
  private final byte[] bytes;

  private LaunchDigest(byte[] bytes) {
    this.bytes = bytes;
  }

  public static LaunchDigest of(byte[] bytes) {
    return new LaunchDigest(bytes.clone());
  }

  /** Parses hex (either case; surrounding white space ignored). */
  public static LaunchDigest fromHex(String hex) throws MeasurementException {
    try {
      return new LaunchDigest(HexFormat.of().parseHex(hex.strip()));
    } catch (IllegalArgumentException e) {
      throw new MeasurementException("not a hex digest: '" + hex + "'");
    }
  }

  public byte[] bytes() {
    return bytes.clone();
  }

  public int length() {
    return bytes.length;
  }

  /** Lower-case hex, as sev-snp-measure prints it. */
  public String hex() {
    return HexFormat.of().formatHex(bytes);
  }

  public String base64() {
    return Base64.getEncoder().encodeToString(bytes);
  }

  public String format(OutputFormat format) {
    return format == OutputFormat.BASE64 ? base64() : hex();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LaunchDigest && Arrays.equals(bytes, ((LaunchDigest) o).bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return hex();
  }
}
