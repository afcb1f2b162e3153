package io.cocos.cli.commands;

import java.math.BigInteger;
import java.util.HexFormat;

/** Option values of the policy commands: hex byte strings and unsigned 64-bit numbers. */
final class OptionValues {
  private OptionValues() {}

  static byte[] hex(String option, String text) {
    try {
      return HexFormat.of().parseHex(text.strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(option + " is not hex: " + shortened(text));
    }
  }

  static BigInteger unsigned64(String option, String text) {
    String t = text.strip();
    try {
      BigInteger v =
          t.startsWith("0x") || t.startsWith("0X")
              ? new BigInteger(t.substring(2), 16)
              : new BigInteger(t);
      if (v.signum() >= 0 && v.bitLength() <= 64) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        option + " is not an unsigned 64-bit number: " + shortened(text));
  }

  private static String shortened(String s) {
    String one = s.replaceAll("\\p{Cntrl}", "?");
    return one.length() > 40 ? one.substring(0, 40) + "…" : one;
  }
}
