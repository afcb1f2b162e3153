import io.cocos.manager.core.console.ConsoleWatcher;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a followed console costs the manager: heap retained per console (after a full GC, and by
 * class from `jcmd GC.class_histogram`) and bytes the watcher's thread allocates per console per
 * poll while the consoles are idle. Run by bench/console-memory.sh with a manager jar on the class
 * path (that script runs it against two jars to compare).
 * Usage: ConsoleMemory N
 */
public class ConsoleMemory {
  public static void main(String[] args) throws Exception {
    int n = Integer.parseInt(args[0]);
    Path dir = Files.createTempDirectory("console-memory");
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Path f = dir.resolve("console-" + i + ".log");
      Files.writeString(f, "boot line\n");
      files.add(f);
    }
    AtomicLong lines = new AtomicLong();
    Duration interval = Duration.ofMillis(200); // the manager's
    try (ConsoleWatcher watcher = new ConsoleWatcher((id, line) -> lines.incrementAndGet(), interval, 64L << 20)) {
      Path histogramBefore = histogram(dir.resolve("before.txt"));
      for (int i = 0; i < n; i++) {
        watcher.follow("cvm-" + i, files.get(i), 0);
      }
      waitFor(lines, n);
      for (Path f : files) {
        Files.writeString(f, "one more line\n", StandardOpenOption.APPEND);
      }
      waitFor(lines, 2L * n);
      Map<String, Long> after = bytesByClass(histogram(dir.resolve("after.txt")));
      Map<String, Long> before = bytesByClass(histogramBefore);
      Map<String, Long> added = new HashMap<>();
      after.forEach((name, bytes) -> added.put(name, bytes - before.getOrDefault(name, 0L)));
      long total = added.values().stream().mapToLong(Long::longValue).sum();
      System.out.printf("%d followed consoles: heap retained %.0f bytes per console (jcmd GC.class_histogram after"
          + " minus before: %.2f MiB in all); the largest shares, per console:%n", n, total / (double) n,
          total / 1048576.0);
      added.entrySet().stream().filter(e -> e.getValue() >= n * 16L)
          .sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(12)
          .forEach(e -> System.out.printf("    %6.0f  %s%n", e.getValue() / (double) n, e.getKey()));

      Thread poller = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> t.getName().equals("console-watcher")).findFirst().orElseThrow();
      var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long allocated = threads.getThreadAllocatedBytes(poller.getId());
      long start = System.nanoTime();
      Thread.sleep(5_000);
      double polls = (System.nanoTime() - start) / 1e6 / interval.toMillis();
      allocated = threads.getThreadAllocatedBytes(poller.getId()) - allocated;
      System.out.printf("  idle consoles: the watcher allocates %.0f bytes per console per poll (%.1f MiB/s for"
          + " the %d, polled every %d ms)%n", allocated / polls / n, allocated / 1048576.0 / (polls * interval.toMillis() / 1000.0),
          n, interval.toMillis());
    }
  }

  static void waitFor(AtomicLong lines, long count) throws InterruptedException {
    long end = System.nanoTime() + 30_000_000_000L;
    while (lines.get() < count) {
      if (System.nanoTime() > end) {
        throw new AssertionError("only " + lines.get() + " of " + count + " lines handed over");
      }
      Thread.sleep(20);
    }
  }

  /** jcmd GC.class_histogram of this JVM (after a full GC), written to a file so the bench holds no copy of it. */
  static Path histogram(Path file) throws Exception {
    new ProcessBuilder("jcmd", Long.toString(ProcessHandle.current().pid()), "GC.class_histogram")
        .redirectErrorStream(true).redirectOutput(file.toFile()).start().waitFor();
    return file;
  }

  static Map<String, Long> bytesByClass(Path histogram) throws Exception {
    Map<String, Long> classes = new HashMap<>();
    for (String line : Files.readAllLines(histogram)) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 4 && f[0].endsWith(":")) {
        classes.merge(f[3], Long.parseLong(f[2]), Long::sum);
      }
    }
    return classes;
  }
}
