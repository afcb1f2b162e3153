package io.cocos.manager.attestation.measure.ovmf;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A GUID in EFI's mixed-endian byte form: the first three fields little-endian, the last eight
 * bytes as written. Immutable.
 */
public final class EfiGuid {
  public static final int SIZE = 16;
  private final byte[] bytes;

  private EfiGuid(byte[] bytes) {
    this.bytes = bytes;
  }

  /** Parses the canonical text form {@code xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}. */
  public static EfiGuid parse(String text) {
    String[] parts = text.split("-", -1);
    if (parts.length != 5
        || parts[0].length() != 8
        || parts[1].length() != 4
        || parts[2].length() != 4
        || parts[3].length() != 4
        || parts[4].length() != 12) {
      throw new IllegalArgumentException("not a GUID: " + text);
    }
    HexFormat hex = HexFormat.of();
    byte[] b = new byte[SIZE];
    byte[] d1 = hex.parseHex(parts[0]);
    byte[] d2 = hex.parseHex(parts[1]);
    byte[] d3 = hex.parseHex(parts[2]);
    byte[] d4 = hex.parseHex(parts[3] + parts[4]);
    for (int i = 0; i < 4; i++) {
      b[i] = d1[3 - i];
    }
    b[4] = d2[1];
    b[5] = d2[0];
    b[6] = d3[1];
    b[7] = d3[0];
    System.arraycopy(d4, 0, b, 8, 8);
    return new EfiGuid(b);
  }

  /** Reads 16 bytes in EFI byte order. */
  public static EfiGuid fromBytes(byte[] src, int off) {
    return new EfiGuid(Arrays.copyOfRange(src, off, off + SIZE));
  }

  /** True if the 16 bytes at {@code off} are this GUID. */
  public boolean matches(byte[] src, int off) {
    return Arrays.equals(bytes, 0, SIZE, src, off, off + SIZE);
  }

  public void writeTo(byte[] dst, int off) {
    System.arraycopy(bytes, 0, dst, off, SIZE);
  }

  public byte[] toBytes() {
    return bytes.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EfiGuid && Arrays.equals(bytes, ((EfiGuid) o).bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /** Canonical lower-case text form. */
  @Override
  public String toString() {
    HexFormat hex = HexFormat.of();
    StringBuilder sb = new StringBuilder(36);
    for (int i = 3; i >= 0; i--) {
      sb.append(hex.toHexDigits(bytes[i]));
    }
    sb.append('-').append(hex.toHexDigits(bytes[5])).append(hex.toHexDigits(bytes[4]));
    sb.append('-').append(hex.toHexDigits(bytes[7])).append(hex.toHexDigits(bytes[6]));
    sb.append('-').append(hex.formatHex(bytes, 8, 10));
    sb.append('-').append(hex.formatHex(bytes, 10, 16));
    return sb.toString();
  }
}
