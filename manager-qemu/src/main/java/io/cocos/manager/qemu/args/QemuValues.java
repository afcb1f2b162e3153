package io.cocos.manager.qemu.args;

import io.cocos.manager.core.config.ControlCharacters;
import java.util.regex.Pattern;

/**
 * The rules for putting values into QEMU arguments.
 *
 * <p>QEMU splits an option value such as {@code file=/a/b,readonly=on} on commas, and reads a
 * doubled comma as a literal one. A path placed inside such a value therefore has its commas
 * doubled: {@code /tmp/x,readonly=off} becomes {@code /tmp/x,,readonly=off}, one file name, and
 * cannot add an option. Control characters (NUL, newline, ...) have no business in a path, id or
 * kernel command line and are refused rather than escaped.
 */
public final class QemuValues {
  /**
   * QEMU's own rule for ids (util/id.c id_wellformed): a letter, then letters, digits, '-', '.',
   * '_'.
   */
  private static final Pattern ID = Pattern.compile("[A-Za-z][A-Za-z0-9._-]*");

  private static final Pattern ID_SUFFIX = Pattern.compile("[A-Za-z0-9._-]+");

  private QemuValues() {}

  /** A value placed after {@code key=} inside a comma-separated option: commas doubled. */
  public static String optionValue(String value, String what) {
    return requirePrintable(value, what).replace(",", ",,");
  }

  /** A value that is a whole argument of its own (a -kernel path, the -append text): kept as is. */
  public static String requirePrintable(String value, String what) {
    if (value == null) {
      throw new IllegalArgumentException(what + " is missing");
    }
    if (value.codePoints().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException(
          what
              + " \""
              + ControlCharacters.escape(value)
              + "\" contains a control character; QEMU arguments must be printable");
    }
    return value;
  }

  /** A value quoted in an error message: control characters escaped, at most 64 characters. */
  public static String bounded(String value) {
    if (value == null) {
      return "";
    }
    String escaped = ControlCharacters.escape(value);
    return escaped.length() <= 64 ? escaped : escaped.substring(0, 64) + "...";
  }

  /**
   * A QEMU object or device id; commas cannot be escaped in ids, so anything unusual is refused.
   */
  public static String requireId(String id, String what) {
    requirePrintable(id, what);
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          what
              + " \""
              + id
              + "\" is not a QEMU id: a letter followed by letters, digits, '-', '.' or '_'");
    }
    return id;
  }

  /**
   * A value appended to a base id ("vmnic-" + CVM id): the characters of an id, no letter needed
   * first.
   */
  public static String requireIdSuffix(String suffix, String what) {
    requirePrintable(suffix, what);
    if (!ID_SUFFIX.matcher(suffix).matches()) {
      throw new IllegalArgumentException(
          what
              + " \""
              + suffix
              + "\" cannot be part of a QEMU id: only letters, digits, '-', '.' and '_'");
    }
    return suffix;
  }
}
