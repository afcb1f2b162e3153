package io.cocos.manager.attestation.measure;

import java.util.Locale;

/** {@code --output-format}. */
public enum OutputFormat {
  HEX,
  BASE64;

  public static OutputFormat fromCli(String s) throws MeasurementException {
    if (s != null) {
      switch (s.toLowerCase(Locale.ROOT)) {
        case "hex":
          return HEX;
        case "base64":
          return BASE64;
        default:
          break;
      }
    }
    throw new MeasurementException("unknown output format '" + s + "' (expected hex or base64)");
  }

  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
