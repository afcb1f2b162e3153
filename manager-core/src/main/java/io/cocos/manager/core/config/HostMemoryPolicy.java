package io.cocos.manager.core.config;

import java.util.regex.Pattern;

/**
 * How much of the host's memory CreateVm may commit to guests: {@code (MemTotal - reserve) *
 * overcommit}.
 *
 * @param reserve MANAGER_HOST_MEMORY_RESERVE as written: a size ("1G", "512M") or a share of
 *     MemTotal ("10%"), kept for the host itself (kernel, the manager, QEMU's own overhead)
 * @param overcommit MANAGER_HOST_MEMORY_OVERCOMMIT: how many times the memory left after the
 *     reserve guests may be promised (1.0: never more than there is)
 */
public record HostMemoryPolicy(String reserve, double overcommit) {
  public static final String RESERVE_VARIABLE = "MANAGER_HOST_MEMORY_RESERVE";
  public static final String OVERCOMMIT_VARIABLE = "MANAGER_HOST_MEMORY_OVERCOMMIT";

  // Before DEFAULT: its constructor uses them.
  static final double MAX_OVERCOMMIT = 100;
  private static final Pattern PERCENT = Pattern.compile("(\\d{1,2}(?:\\.\\d{1,3})?)%");

  /** 1 GiB: the host OS and the manager's JVM fit in it on a host of any size. */
  public static final HostMemoryPolicy DEFAULT = new HostMemoryPolicy("1G", 1.0);

  public HostMemoryPolicy {
    reserveOf(reserve, 1L << 40); // validates the form
    if (!(overcommit > 0 && overcommit <= MAX_OVERCOMMIT)) {
      throw new IllegalArgumentException("overcommit out of range");
    }
  }

  public static HostMemoryPolicy fromEnv(Env env) {
    String reserve =
        Env.parse(
            RESERVE_VARIABLE,
            env.string(RESERVE_VARIABLE, DEFAULT.reserve()),
            "a size such as 1G or 512M (or 0), or a share of MemTotal below 100% such as 10%",
            text -> {
              reserveOf(text, 1L << 40);
              return text;
            });
    double overcommit =
        env.raw(OVERCOMMIT_VARIABLE)
            .map(
                v ->
                    Env.parse(
                        OVERCOMMIT_VARIABLE,
                        v,
                        "a number greater than 0 and at most "
                            + (int) MAX_OVERCOMMIT
                            + ", such as 1.0",
                        s -> {
                          double d = Double.parseDouble(s);
                          if (!(d > 0 && d <= MAX_OVERCOMMIT)) {
                            throw new IllegalArgumentException("out of range");
                          }
                          return d;
                        }))
            .orElse(DEFAULT.overcommit());
    return new HostMemoryPolicy(reserve, overcommit);
  }

  /** The reserve in bytes on a host of {@code memoryTotal} bytes. */
  public long reserveBytes(long memoryTotal) {
    return reserveOf(reserve, memoryTotal);
  }

  /** Guest memory the host can be asked for, in bytes: 0 when the reserve takes it all. */
  public long guestLimit(long memoryTotal) {
    long left = Math.max(0, memoryTotal - reserveBytes(memoryTotal));
    double limit = left * overcommit;
    return limit >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) limit;
  }

  private static long reserveOf(String text, long memoryTotal) {
    if (text.equals("0")) {
      return 0;
    }
    var percent = PERCENT.matcher(text);
    if (percent.matches()) {
      return (long) (memoryTotal * (Double.parseDouble(percent.group(1)) / 100));
    }
    return MemorySize.parse(text).bytes();
  }
}
