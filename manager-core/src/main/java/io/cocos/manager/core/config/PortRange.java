package io.cocos.manager.core.config;

/** An inclusive range of TCP ports, written "6100-6200". */
public record PortRange(int first, int last) {
  public PortRange {
    if (first < 1 || last > 65535 || first > last) {
      throw new IllegalArgumentException("invalid port range " + first + "-" + last);
    }
  }

  public static PortRange parse(String text) {
    String[] parts = text.trim().split("-", -1);
    if (parts.length != 2) {
      throw new IllegalArgumentException("not a range");
    }
    try {
      return new PortRange(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a range");
    }
  }

  public int size() {
    return last - first + 1;
  }

  public boolean contains(int port) {
    return port >= first && port <= last;
  }

  @Override
  public String toString() {
    return first + "-" + last;
  }
}
