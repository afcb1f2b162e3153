package io.cocos.cli;

import java.time.Duration;

/** Durations as the list-vms table shows them: short, two units at most. */
public final class TableDuration {
  private TableDuration() {}

  /** "42s", "5m12s", "42m", "3h5m", "2d3h"; a negative duration shows as "0s". */
  public static String of(Duration d) {
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
