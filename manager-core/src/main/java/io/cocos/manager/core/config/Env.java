package io.cocos.manager.core.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Typed, validated reads of environment variables. Unset (or empty) means the default; a value that
 * does not parse throws {@link ConfigException} naming the variable, so a bad configuration stops
 * start-up with one clear line instead of a silent default.
 */
public final class Env {
  private final Map<String, String> vars;

  public Env(Map<String, String> vars) {
    this.vars = Map.copyOf(vars);
  }

  public static Env system() {
    return new Env(System.getenv());
  }

  /** The raw value, or empty when unset or blank. Go's env parsing treats "" as unset too. */
  public Optional<String> raw(String name) {
    String value = vars.get(name);
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    return Optional.of(value.strip());
  }

  public String string(String name, String defaultValue) {
    return raw(name).orElse(defaultValue);
  }

  public Optional<Path> path(String name) {
    return raw(name).map(Path::of);
  }

  public boolean bool(String name, boolean defaultValue) {
    return optionalBool(name).orElse(defaultValue);
  }

  /**
   * A boolean that may be left unset, for settings whose default is decided elsewhere (detection).
   */
  public Optional<Boolean> optionalBool(String name) {
    return raw(name).map(v -> parse(name, v, "a boolean (true/false, 1/0, t/f)", Env::parseBool));
  }

  public int integer(String name, int defaultValue, int min, int max) {
    return raw(name)
        .map(
            v ->
                parse(
                    name,
                    v,
                    "an integer from " + min + " to " + max,
                    s -> {
                      int n = Integer.parseInt(s);
                      if (n < min || n > max) {
                        throw new IllegalArgumentException("out of range");
                      }
                      return n;
                    }))
        .orElse(defaultValue);
  }

  /**
   * A port the manager itself listens on; 0 lets the system pick a free one (the daemon logs it).
   */
  public int listenPort(String name, int defaultValue) {
    return raw(name)
        .map(
            v ->
                parse(
                    name,
                    v,
                    "a port number from 0 (any free port) to 65535",
                    s -> {
                      int n = Integer.parseInt(s);
                      if (n < 0 || n > 65535) {
                        throw new IllegalArgumentException("out of range");
                      }
                      return n;
                    }))
        .orElse(defaultValue);
  }

  public int port(String name, int defaultValue) {
    return raw(name)
        .map(
            v ->
                parse(
                    name,
                    v,
                    "a port number from 1 to 65535",
                    s -> {
                      int n = Integer.parseInt(s);
                      if (n < 1 || n > 65535) {
                        throw new IllegalArgumentException("out of range");
                      }
                      return n;
                    }))
        .orElse(defaultValue);
  }

  public Duration duration(String name, Duration defaultValue) {
    return raw(name)
        .map(
            v ->
                parse(
                    name,
                    v,
                    "a duration such as 500ms, 60s or 1h30m",
                    s -> {
                      Duration d = GoDuration.parse(s);
                      if (d.isNegative()) {
                        throw new IllegalArgumentException("negative");
                      }
                      return d;
                    }))
        .orElse(defaultValue);
  }

  public PortRange portRange(String name, PortRange defaultValue) {
    return raw(name)
        .map(
            v ->
                parse(
                    name,
                    v,
                    "a port range FIRST-LAST within 1-65535, FIRST <= LAST",
                    PortRange::parse))
        .orElse(defaultValue);
  }

  public MemorySize memorySize(String name, String defaultValue) {
    return parse(name, string(name, defaultValue), "a size such as 2048M or 4G", MemorySize::parse);
  }

  public double ratio(String name, double defaultValue) {
    return raw(name)
        .map(
            v ->
                parse(
                    name,
                    v,
                    "a number from 0 to 1",
                    s -> {
                      double d = Double.parseDouble(s);
                      if (!(d >= 0 && d <= 1)) {
                        throw new IllegalArgumentException("out of range");
                      }
                      return d;
                    }))
        .orElse(defaultValue);
  }

  /** One of a fixed set of words, case-insensitive; returned in lower case. */
  public String oneOf(String name, String defaultValue, String... allowed) {
    String value = string(name, defaultValue).toLowerCase(Locale.ROOT);
    for (String a : allowed) {
      if (a.equals(value)) {
        return value;
      }
    }
    throw new ConfigException(
        name, raw(name).orElse(defaultValue), "one of " + String.join(", ", allowed));
  }

  /** Applies a parser, turning any failure into a ConfigException for this variable. */
  public static <T> T parse(
      String name, String value, String expected, Function<String, T> parser) {
    try {
      return parser.apply(value);
    } catch (RuntimeException e) {
      throw new ConfigException(name, value, expected);
    }
  }

  private static boolean parseBool(String value) {
    // The forms Go's strconv.ParseBool accepts, since upstream env files use them.
    return switch (value) {
      case "1", "t", "T", "true", "TRUE", "True" -> true;
      case "0", "f", "F", "false", "FALSE", "False" -> false;
      default -> throw new IllegalArgumentException("not a boolean");
    };
  }
}
