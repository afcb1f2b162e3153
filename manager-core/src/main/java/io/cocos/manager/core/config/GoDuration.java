package io.cocos.manager.core.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations written the way Go's time.ParseDuration reads them ("300ms", "1.5h", "1h30m"), since
 * operators and upstream clients (cocos-cli sends its --ttl this way) already use that form.
 */
public final class GoDuration {
  private static final Pattern PART =
      Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");
  private static final Map<String, Long> NANOS_PER_UNIT =
      Map.of(
          "ns",
          1L,
          "us",
          1_000L,
          "µs",
          1_000L,
          "μs",
          1_000L,
          "ms",
          1_000_000L,
          "s",
          1_000_000_000L,
          "m",
          60_000_000_000L,
          "h",
          3_600_000_000_000L);

  /**
   * Longest text parsed: Go's longest meaningful duration ("2562047h47m16.854775807s") with room
   * for leading zeros. A longer one is refused before it is read, so parsing costs at most a few
   * microseconds whatever a client sends.
   */
  public static final int MAX_LENGTH = 64;

  private GoDuration() {}

  /**
   * Parses a Go duration, sign included, as Go does; callers that need a non-negative one check
   * that themselves (so they can say so). Throws IllegalArgumentException with the reason.
   */
  public static Duration parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException("empty duration");
    }
    if (text.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("duration longer than " + MAX_LENGTH + " characters");
    }
    boolean negative = text.startsWith("-");
    String rest = text.startsWith("+") || negative ? text.substring(1) : text;
    if (rest.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = PART.matcher(rest);
    BigDecimal nanos = BigDecimal.ZERO;
    int at = 0;
    while (at < rest.length()) {
      // anchored at `at`: one pass over the text, never a search from every position
      if (!m.region(at, rest.length()).lookingAt()) {
        throw new IllegalArgumentException("invalid duration " + BoundedText.quote(text));
      }
      nanos =
          nanos.add(
              new BigDecimal(normalise(m.group(1)))
                  .multiply(BigDecimal.valueOf(NANOS_PER_UNIT.get(m.group(2)))));
      at = m.end();
    }
    if (at == 0) {
      throw new IllegalArgumentException("invalid duration " + BoundedText.quote(text));
    }
    if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new IllegalArgumentException("duration out of range " + BoundedText.quote(text));
    }
    return Duration.ofNanos(negative ? -nanos.longValue() : nanos.longValue());
  }

  /** Formats like Go's Duration.String(): "1h30m0s", "1.5s", "250ms", "0s". */
  public static String format(Duration d) {
    long nanos = d.toNanos();
    if (nanos == 0) {
      return "0s";
    }
    StringBuilder out = new StringBuilder();
    if (nanos < 0) {
      out.append('-');
      nanos = -nanos;
    }
    if (nanos < 1_000_000_000L) {
      if (nanos < 1_000L) {
        return out.append(nanos).append("ns").toString();
      }
      if (nanos < 1_000_000L) {
        return out.append(fraction(nanos, 1_000L)).append("µs").toString();
      }
      return out.append(fraction(nanos, 1_000_000L)).append("ms").toString();
    }
    long hours = nanos / 3_600_000_000_000L;
    long minutes = nanos / 60_000_000_000L % 60;
    long secNanos = nanos % 60_000_000_000L;
    if (hours > 0) {
      out.append(hours).append('h');
    }
    if (hours > 0 || minutes > 0) {
      out.append(minutes).append('m');
    }
    return out.append(fraction(secNanos, 1_000_000_000L)).append('s').toString();
  }

  private static String fraction(long value, long unit) {
    BigDecimal v = BigDecimal.valueOf(value).divide(BigDecimal.valueOf(unit)).stripTrailingZeros();
    return v.scale() <= 0 ? v.toBigInteger().toString() : v.toPlainString();
  }

  private static String normalise(String number) {
    if (number.startsWith(".")) {
      return "0" + number;
    }
    return number.endsWith(".") ? number + "0" : number;
  }
}
