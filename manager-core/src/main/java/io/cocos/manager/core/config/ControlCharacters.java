package io.cocos.manager.core.config;

/** Shows a value with its control characters escaped, so an error about it stays on one line. */
public final class ControlCharacters {
  private ControlCharacters() {}

  public static String escape(String value) {
    StringBuilder out = new StringBuilder(value.length());
    value
        .codePoints()
        .forEach(
            c -> {
              if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                out.append(c <= 0xff ? String.format("\\x%02x", c) : String.format("\\u%04x", c));
              } else {
                out.appendCodePoint(c);
              }
            });
    return out.toString();
  }
}
