package io.cocos.manager.core.config;

/**
 * Client input (or an operator's value) as it may appear in a status message or a log line: at most
 * {@link #PREFIX} characters of it, control characters escaped, and its full length when it was
 * cut, so a 1 MB field costs a reader one short line and a client's metadata limit is never
 * reached. Every message that repeats input uses this one helper.
 */
public final class BoundedText {
  /** Characters of the value shown; enough to recognise an id, a URL or a typo. */
  public static final int PREFIX = 48;

  private BoundedText() {}

  /** {@code abc} for a short value; {@code abcdef… (10240 characters)} for a long one; one line. */
  public static String of(String value) {
    if (value == null) {
      return "";
    }
    if (value.length() <= PREFIX) {
      return ControlCharacters.escape(value);
    }
    int end = PREFIX;
    if (Character.isHighSurrogate(value.charAt(end - 1))) {
      end--; // never cut a character in two
    }
    return ControlCharacters.escape(value.substring(0, end))
        + "… ("
        + value.length()
        + " characters)";
  }

  /** {@link #of} in quotation marks: {@code "abc"}, {@code "abcdef…" (10240 characters)}. */
  public static String quote(String value) {
    String shown = of(value);
    int cut = shown.lastIndexOf("… (");
    if (value != null && value.length() > PREFIX && cut >= 0) {
      return '"' + shown.substring(0, cut + 1) + '"' + shown.substring(cut + 1);
    }
    return '"' + shown + '"';
  }
}
