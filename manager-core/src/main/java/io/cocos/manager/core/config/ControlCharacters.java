package io.cocos.manager.core.config;

/**
 * Shows a value with its control characters escaped, so an error about it stays on one line, and
 * with its invisible format characters escaped too (bidirectional overrides and isolates,
 * zero-width characters), so that text a guest or a client chose cannot make a log line or a
 * message read differently from what it holds ("Trojan Source").
 */
public final class ControlCharacters {
  private ControlCharacters() {}

  public static String escape(String value) {
    StringBuilder out = new StringBuilder(value.length());
    value
        .codePoints()
        .forEach(
            c -> {
              if (Character.isISOControl(c)
                  || c == '\u2028'
                  || c == '\u2029'
                  || Character.getType(c) == Character.FORMAT) {
                out.append(
                    c <= 0xff
                        ? String.format("\\x%02x", c)
                        : c <= 0xffff ? String.format("\\u%04x", c) : String.format("\\U%08x", c));
              } else {
                out.appendCodePoint(c);
              }
            });
    return out.toString();
  }
}
