package io.cocos.manager.core.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@link HostResources} from Linux's own files: /proc/meminfo (proc(5): "MemTotal: 32594156 kB")
 * and /sys/devices/system/cpu/online (a CPU list such as "0-3,6,8-11"). A file that is missing or
 * does not parse gives 0 ("unknown"), never an exception.
 */
public final class ProcHostResources implements HostResources {
  private final Path meminfo;
  private final Path cpusOnline;

  public ProcHostResources(Path meminfo, Path cpusOnline) {
    this.meminfo = meminfo;
    this.cpusOnline = cpusOnline;
  }

  /** This host's. */
  public static ProcHostResources system() {
    return new ProcHostResources(
        Path.of("/proc/meminfo"), Path.of("/sys/devices/system/cpu/online"));
  }

  @Override
  public long memoryTotal() {
    return meminfoField("MemTotal");
  }

  @Override
  public long memoryAvailable() {
    return meminfoField("MemAvailable");
  }

  @Override
  public int cpusOnline() {
    try {
      return cpuListSize(Files.readString(cpusOnline).strip());
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** A field of /proc/meminfo in bytes (the file says kB, meaning KiB). */
  private long meminfoField(String name) {
    List<String> lines;
    try {
      lines = Files.readAllLines(meminfo);
    } catch (IOException e) {
      return 0;
    }
    for (String line : lines) {
      if (line.startsWith(name + ":")) {
        String[] parts = line.substring(name.length() + 1).strip().split("\\s+");
        try {
          long value = Long.parseLong(parts[0]);
          boolean kib = parts.length > 1 && parts[1].equalsIgnoreCase("kB");
          return value < 0 ? 0 : kib ? Math.multiplyExact(value, 1024L) : value;
        } catch (ArithmeticException | NumberFormatException e) {
          return 0;
        }
      }
    }
    return 0;
  }

  /** The number of CPUs in a kernel CPU list ("0-3,6"): 5. */
  static int cpuListSize(String list) {
    if (list.isEmpty()) {
      return 0;
    }
    int count = 0;
    for (String part : list.split(",")) {
      int dash = part.indexOf('-');
      if (dash < 0) {
        Integer.parseInt(part.strip());
        count++;
      } else {
        int first = Integer.parseInt(part.substring(0, dash).strip());
        int last = Integer.parseInt(part.substring(dash + 1).strip());
        if (last < first) {
          throw new IllegalArgumentException("bad range " + part);
        }
        count += last - first + 1;
      }
    }
    return count;
  }
}
