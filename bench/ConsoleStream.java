import io.cocos.manager.api.CreateReq;
import io.cocos.manager.api.ListVmsReq;
import io.cocos.manager.api.LogLine;
import io.cocos.manager.api.ManagerServiceGrpc;
import io.cocos.manager.api.StreamLogsReq;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * StreamLogs throughput and follow latency against a running manager (fake QEMU). Run by
 * bench/console-stream.sh, which prints the manager's RSS and runs `cocos-cli logs` after this.
 *
 * <ol>
 *   <li>Follow latency: a running CVM's console is followed (batched form); the bench appends a
 *       numbered line to its console.log (O_APPEND, as QEMU writes) every 50 ms and measures how
 *       long each takes to arrive.
 *   <li>Throughput: that CVM's QEMU is killed (the CVM stays listed as exited, its console kept),
 *       {@code MiB} MiB of ~100-byte lines are appended, and StreamLogs reads the whole console
 *       (tail covering everything, no follow) {@code runs} times; median reported.
 * </ol>
 * Prints the exited CVM's id last, for the CLI part of the script.
 */
public class ConsoleStream {
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    Path stateDir = Path.of(args[1]);
    int mib = Integer.parseInt(args[2]);
    int runs = Integer.parseInt(args[3]);
    boolean batch = !"per-line".equals(args[4]);
    long managerPid = Long.parseLong(args[5]);
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
        .maxInboundMessageSize(8 << 20).build();
    var stub = ManagerServiceGrpc.newBlockingStub(channel);
    String id = stub.withDeadlineAfter(60, TimeUnit.SECONDS).createVm(CreateReq.getDefaultInstance()).getCvmId();
    Path console = stateDir.resolve("cvms").resolve(id).resolve("console.log");

    if (batch) {
      followLatency(stub, id, console);
    }

    long pid = stub.listVms(ListVmsReq.getDefaultInstance()).getCvms(0).getPid();
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    while (!stub.listVms(ListVmsReq.getDefaultInstance()).getCvms(0).getState().equals("exited")) {
      Thread.sleep(50);
    }
    generate(console, (long) mib << 20);
    long size = Files.size(console);
    long lines;
    try (var s = Files.lines(console)) {
      lines = s.count();
    }
    System.out.printf("console: %.1f MiB, %d lines%n", size / 1048576.0, lines);
    fileReadFloor(console, lines, runs);

    List<Double> seconds = new ArrayList<>();
    List<Double> cpu = new ArrayList<>();
    for (int run = 0; run < runs; run++) {
      long start = System.nanoTime();
      double managerCpu = cpuSeconds(managerPid);
      double clientCpu = cpuSeconds(ProcessHandle.current().pid());
      long[] got = readAll(stub, id, batch);
      double s = (System.nanoTime() - start) / 1e9;
      managerCpu = cpuSeconds(managerPid) - managerCpu;
      clientCpu = cpuSeconds(ProcessHandle.current().pid()) - clientCpu;
      cpu.add(managerCpu + clientCpu);
      if (got[0] != lines) {
        throw new AssertionError("read " + got[0] + " lines of " + lines);
      }
      seconds.add(s);
      System.out.printf("  run %d: %.2f s, %d lines in %d messages, %.1f MiB/s; CPU: manager %.2f s, client %.2f s%n",
          run + 1, s, got[0], got[1], size / 1048576.0 / s, managerCpu, clientCpu);
    }
    Collections.sort(cpu);
    Collections.sort(seconds);
    double median = seconds.get(seconds.size() / 2);
    System.out.printf("Java client (%s): median of %d: %.2f s, %.1f MiB/s, %.0f k lines/s; median CPU (manager +"
            + " client) %.2f s, i.e. %.1f MiB per CPU-second%n", batch ? "batched" : "one line per message", runs,
        median, size / 1048576.0 / median, lines / median / 1000, cpu.get(cpu.size() / 2),
        size / 1048576.0 / cpu.get(cpu.size() / 2));
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    System.out.println(id);
  }

  /** The floor: this JVM reading the same file line by line (decoded, as a reader of text does). */
  static void fileReadFloor(Path console, long lines, int runs) throws IOException {
    List<Double> seconds = new ArrayList<>();
    for (int run = 0; run < runs; run++) {
      long start = System.nanoTime();
      long n = 0;
      try (var reader = Files.newBufferedReader(console, StandardCharsets.UTF_8)) {
        while (reader.readLine() != null) {
          n++;
        }
      }
      seconds.add((System.nanoTime() - start) / 1e9);
      if (n != lines) {
        throw new AssertionError("read " + n + " lines of " + lines);
      }
    }
    Collections.sort(seconds);
    double median = seconds.get(seconds.size() / 2);
    System.out.printf("file-read floor (BufferedReader.readLine, page cache): median %.2f s, %.1f MiB/s%n", median,
        Files.size(console) / 1048576.0 / median);
  }

  /** User + system CPU of a process so far (from /proc: the manager is another process). */
  static double cpuSeconds(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // utime, stime in clock ticks (USER_HZ 100)
  }

  /** Lines read and messages received, reading the whole console. */
  static long[] readAll(ManagerServiceGrpc.ManagerServiceBlockingStub stub, String id, boolean batch) {
    StreamLogsReq.Builder req = StreamLogsReq.newBuilder().setCvmId(id).setTail(Integer.MAX_VALUE);
    if (batch) {
      req.setBatch(true);
    }
    Iterator<LogLine> it = stub.withDeadlineAfter(600, TimeUnit.SECONDS).streamLogs(req.build());
    long lines = 0;
    long messages = 0;
    while (it.hasNext()) {
      LogLine m = it.next();
      messages++;
      lines += batch ? m.getLinesCount() : 1;
    }
    return new long[] {lines, messages};
  }

  static void followLatency(ManagerServiceGrpc.ManagerServiceBlockingStub stub, String id, Path console)
      throws Exception {
    Iterator<LogLine> it = ManagerServiceGrpc.newBlockingStub(stub.getChannel()).streamLogs(
        StreamLogsReq.newBuilder().setCvmId(id).setFollow(true).setBatch(true).build());
    List<Double> millis = new ArrayList<>();
    int samples = 50;
    var reader = new Thread(() -> {
      while (it.hasNext()) {
        for (var bytes : it.next().getLinesList()) {
          String line = bytes.toStringUtf8();
          if (line.startsWith("bench-mark ")) {
            long sent = Long.parseLong(line.substring("bench-mark ".length()));
            synchronized (millis) {
              millis.add((System.nanoTime() - sent) / 1e6);
              millis.notifyAll();
            }
          }
        }
      }
    });
    reader.setDaemon(true);
    reader.start();
    Thread.sleep(500);
    try (OutputStream out = Files.newOutputStream(console, StandardOpenOption.APPEND)) {
      for (int i = 0; i < samples; i++) {
        out.write(("bench-mark " + System.nanoTime() + "\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        Thread.sleep(50 + (i * 37) % 100); // not in step with the manager's poll
      }
    }
    synchronized (millis) {
      long end = System.currentTimeMillis() + 10_000;
      while (millis.size() < samples && System.currentTimeMillis() < end) {
        millis.wait(1000);
      }
      List<Double> sorted = new ArrayList<>(millis);
      Collections.sort(sorted);
      System.out.printf("follow: a line appended to console.log reaches the client in p50 %.0f ms, p99 %.0f ms,"
              + " max %.0f ms (%d lines)%n", sorted.get(sorted.size() / 2),
          sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1), sorted.get(sorted.size() - 1), sorted.size());
    }
  }

  /** Appends ~100-byte numbered lines up to {@code bytes}. */
  static void generate(Path console, long bytes) throws IOException {
    String pad = "x".repeat(80);
    try (OutputStream out = new java.io.BufferedOutputStream(
        Files.newOutputStream(console, StandardOpenOption.APPEND), 1 << 20)) {
      long written = 0;
      for (long n = 0; written < bytes; n++) {
        byte[] line = String.format("[%12.6f] guest: line %8d %s%n", n / 1e4, n, pad).getBytes(StandardCharsets.US_ASCII);
        out.write(line);
        written += line.length;
      }
    }
  }
}
