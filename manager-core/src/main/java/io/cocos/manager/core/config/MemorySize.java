package io.cocos.manager.core.config;

import java.util.regex.Pattern;

/**
 * A memory size as QEMU's -m takes it ("2048M", "4G", "512"). The text is kept as written so the
 * command line shows what the operator configured.
 */
public record MemorySize(String text, long bytes) {
  private static final Pattern FORM =
      Pattern.compile("(\\d{1,15})([KMGT]?)", Pattern.CASE_INSENSITIVE);

  public static MemorySize parse(String text) {
    var m = FORM.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a size");
    }
    long number = Long.parseLong(m.group(1));
    int shift =
        switch (m.group(2).toUpperCase()) {
          case "K" -> 10;
          case "G" -> 30;
          case "T" -> 40;
          default -> 20; // QEMU reads a bare number, and "M", as mebibytes
        };
    if (number == 0 || Long.numberOfLeadingZeros(number) <= shift) {
      throw new IllegalArgumentException("size out of range");
    }
    return new MemorySize(text, number << shift);
  }

  @Override
  public String toString() {
    return text;
  }
}
