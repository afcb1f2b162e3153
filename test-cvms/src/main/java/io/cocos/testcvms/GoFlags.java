package io.cocos.testcvms;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * String flags parsed as Go's flag package parses them, which upstream's test CVMS server uses:
 * {@code -name value}, {@code -name=value}, one or two dashes; parsing stops at the first argument
 * that is not a flag, or after {@code --}.
 */
final class GoFlags {
  /** A command line that Go's flag package would refuse; the message is Go's. */
  static final class ParseException extends Exception {
    ParseException(String message) {
      super(message, null, false, false);
    }
  }

  static final String HELP = "flag: help requested";

  private final Map<String, String> usage = new TreeMap<>();
  private final Map<String, String> values = new LinkedHashMap<>();

  GoFlags define(String name, String description) {
    usage.put(name, description);
    return this;
  }

  GoFlags parse(String... args) throws ParseException {
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.length() < 2 || arg.charAt(0) != '-') {
        return this;
      }
      String name = arg.substring(arg.startsWith("--") ? 2 : 1);
      if (name.isEmpty()) { // "--": the end of the flags
        return this;
      }
      if (name.startsWith("-") || name.startsWith("=")) {
        throw new ParseException("bad flag syntax: " + arg);
      }
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      if (name.equals("h") || name.equals("help")) {
        throw new ParseException(HELP);
      }
      if (!usage.containsKey(name)) {
        throw new ParseException("flag provided but not defined: -" + name);
      }
      if (value == null) {
        if (i + 1 >= args.length) {
          throw new ParseException("flag needs an argument: -" + name);
        }
        value = args[++i];
      }
      values.put(name, value);
    }
    return this;
  }

  /** The flag's value; "" when not given (every flag here defaults to ""). */
  String get(String name) {
    if (!usage.containsKey(name)) {
      throw new IllegalArgumentException("undefined flag " + name);
    }
    return values.getOrDefault(name, "");
  }

  /** As Go's PrintDefaults: sorted by name, " -name string" then the usage indented by a tab. */
  String defaults() {
    StringBuilder b = new StringBuilder();
    usage.forEach(
        (name, text) ->
            b.append("  -").append(name).append(" string\n    \t").append(text).append('\n'));
    return b.toString();
  }
}
