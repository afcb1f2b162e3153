package io.cocos.cli;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Duration;

/**
 * Durations as Go's time.ParseDuration reads them and Duration.String() writes them ("90s",
 * "1h30m", "1.5h", "300ms"): the form of MANAGER_GRPC_TIMEOUT and of CreateReq.ttl.
 */
public final class GoDuration {
  private static final BigInteger MAX_NANOS = BigInteger.valueOf(Long.MAX_VALUE);

  private GoDuration() {}

  /** Parses a Go duration, sign included; IllegalArgumentException says what is wrong. */
  public static Duration parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException("empty duration");
    }
    int i = 0;
    boolean negative = false;
    if (text.charAt(0) == '-' || text.charAt(0) == '+') {
      negative = text.charAt(0) == '-';
      i++;
    }
    if (text.substring(i).equals("0")) {
      return Duration.ZERO;
    }
    if (i == text.length()) {
      throw invalid(text);
    }
    BigDecimal total = BigDecimal.ZERO;
    while (i < text.length()) {
      int start = i;
      while (i < text.length() && (Character.isDigit(text.charAt(i)) && text.charAt(i) < 128 || text.charAt(i) == '.')) {
        i++;
      }
      String number = text.substring(start, i);
      if (number.isEmpty() || number.equals(".") || number.indexOf('.') != number.lastIndexOf('.')) {
        throw invalid(text);
      }
      int unitStart = i;
      while (i < text.length() && !Character.isDigit(text.charAt(i)) && text.charAt(i) != '.') {
        i++;
      }
      String unit = text.substring(unitStart, i);
      long scale = switch (unit) {
        case "ns" -> 1L;
        case "us", "µs", "μs" -> 1_000L;
        case "ms" -> 1_000_000L;
        case "s" -> 1_000_000_000L;
        case "m" -> 60_000_000_000L;
        case "h" -> 3_600_000_000_000L;
        case "" -> throw new IllegalArgumentException("missing unit in duration \"" + text + "\"");
        default -> throw new IllegalArgumentException("unknown unit \"" + unit + "\" in duration \"" + text + "\"");
      };
      BigDecimal value = new BigDecimal(number.startsWith(".") ? "0" + number : number.endsWith(".") ? number + "0" : number);
      total = total.add(value.multiply(BigDecimal.valueOf(scale)));
    }
    BigInteger nanos = total.setScale(0, RoundingMode.DOWN).toBigIntegerExact();
    if (nanos.compareTo(MAX_NANOS) > 0) {
      throw new IllegalArgumentException("duration \"" + text + "\" out of range");
    }
    long n = nanos.longValueExact();
    return Duration.ofNanos(negative ? -n : n);
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException("invalid duration \"" + text + "\"");
  }

  /** Formats as Go's Duration.String(): "1h30m0s", "1.5s", "250ms", "0s". */
  public static String format(Duration d) {
    long nanos = d.toNanos();
    if (nanos == 0) {
      return "0s";
    }
    StringBuilder out = new StringBuilder();
    BigInteger abs = BigInteger.valueOf(nanos).abs();
    if (nanos < 0) {
      out.append('-');
    }
    long secondNanos = 1_000_000_000L;
    if (abs.compareTo(BigInteger.valueOf(secondNanos)) < 0) {
      long n = abs.longValueExact();
      if (n < 1_000L) {
        return out.append(n).append("ns").toString();
      }
      if (n < 1_000_000L) {
        return out.append(decimal(n, 1_000L)).append("µs").toString();
      }
      return out.append(decimal(n, 1_000_000L)).append("ms").toString();
    }
    BigInteger[] hoursRest = abs.divideAndRemainder(BigInteger.valueOf(3_600_000_000_000L));
    long rest = hoursRest[1].longValueExact();
    long minutes = rest / 60_000_000_000L;
    long seconds = rest % 60_000_000_000L;
    if (hoursRest[0].signum() > 0) {
      out.append(hoursRest[0]).append('h');
    }
    if (hoursRest[0].signum() > 0 || minutes > 0) {
      out.append(minutes).append('m');
    }
    return out.append(decimal(seconds, secondNanos)).append('s').toString();
  }

  private static String decimal(long value, long unit) {
    BigDecimal v = BigDecimal.valueOf(value).divide(BigDecimal.valueOf(unit)).stripTrailingZeros();
    return v.scale() <= 0 ? v.toBigInteger().toString() : v.toPlainString();
  }

  /** Short, human form for tables: "42s", "5m12s", "42m", "3h5m", "2d3h". */
  public static String human(Duration d) {
    long s = Math.max(0, d.getSeconds());
    if (s < 60) {
      return s + "s";
    }
    if (s < 600) {
      return s / 60 + "m" + s % 60 + "s";
    }
    if (s < 3600) {
      return s / 60 + "m";
    }
    if (s < 86_400) {
      return s / 3600 + "h" + s % 3600 / 60 + "m";
    }
    return s / 86_400 + "d" + s % 86_400 / 3600 + "h";
  }
}
