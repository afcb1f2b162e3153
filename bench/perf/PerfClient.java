import io.cocos.manager.api.CreateReq;
import io.cocos.manager.api.CvmSummary;
import io.cocos.manager.api.ListVmsReq;
import io.cocos.manager.api.ListVmsRes;
import io.cocos.manager.api.ManagerServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC side of the performance harness (bench/perf/run.sh), run as a single-file program with
 * the manager's jar on the class path, as bench/CreateVmLatency.java is. Each mode prints one line
 * of JSON on stdout for the harness to read:
 *
 * <pre>
 *   create PORT COUNT CLIENTS   COUNT CreateVm calls over CLIENTS concurrent callers: throughput, latencies
 *   list PORT CALLS             CALLS sequential ListVms after 20 warm-up calls: p50, p99, max
 *   wait-running PORT COUNT     polls ListVms every 10 ms until COUNT CVMs are running with a guest
 *                               status; prints the wall-clock time it saw them (epoch ms)
 * </pre>
 */
public class PerfClient {
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[1]);
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
        .maxInboundMessageSize(64 << 20).build();
    try {
      switch (args[0]) {
        case "create" -> create(channel, Integer.parseInt(args[2]), Integer.parseInt(args[3]));
        case "list" -> list(channel, Integer.parseInt(args[2]));
        case "wait-running" -> waitRunning(channel, Integer.parseInt(args[2]));
        default -> throw new IllegalArgumentException("unknown mode " + args[0]);
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static void create(ManagedChannel channel, int count, int clients) throws Exception {
    var stub = ManagerServiceGrpc.newBlockingStub(channel);
    ExecutorService callers = Executors.newFixedThreadPool(clients);
    List<Future<Double>> calls = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      calls.add(callers.submit(() -> {
        long t = System.nanoTime();
        stub.withDeadlineAfter(60, TimeUnit.SECONDS).createVm(CreateReq.newBuilder()
            .setAgentCvmServerUrl("10.0.2.2:7001").setAgentLogLevel("info").build());
        return (System.nanoTime() - t) / 1e6;
      }));
    }
    List<Double> millis = new ArrayList<>();
    try {
      for (Future<Double> call : calls) {
        millis.add(call.get());
      }
    } finally {
      callers.shutdownNow(); // a refused CreateVm ends the run instead of leaving its threads alive
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Collections.sort(millis);
    System.out.printf(Locale.ROOT,
        "{\"count\": %d, \"clients\": %d, \"seconds\": %.3f, \"per_second\": %.1f, \"p50_ms\": %.1f, \"p99_ms\": %.1f, \"max_ms\": %.1f}%n",
        count, clients, seconds, count / seconds, percentile(millis, 50), percentile(millis, 99),
        millis.get(millis.size() - 1));
  }

  private static void list(ManagedChannel channel, int calls) {
    var stub = ManagerServiceGrpc.newBlockingStub(channel);
    ListVmsRes last = null;
    for (int i = 0; i < 20; i++) {
      last = stub.withDeadlineAfter(30, TimeUnit.SECONDS).listVms(ListVmsReq.getDefaultInstance());
    }
    List<Double> millis = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      long t = System.nanoTime();
      last = stub.withDeadlineAfter(30, TimeUnit.SECONDS).listVms(ListVmsReq.getDefaultInstance());
      millis.add((System.nanoTime() - t) / 1e6);
    }
    Collections.sort(millis);
    System.out.printf(Locale.ROOT,
        "{\"calls\": %d, \"cvms\": %d, \"bytes\": %d, \"p50_ms\": %.2f, \"p99_ms\": %.2f, \"max_ms\": %.2f}%n",
        calls, last.getCvmsCount(), last.getSerializedSize(), percentile(millis, 50), percentile(millis, 99),
        millis.get(millis.size() - 1));
  }

  private static void waitRunning(ManagedChannel channel, int count) throws InterruptedException {
    var stub = ManagerServiceGrpc.newBlockingStub(channel);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    int running = 0;
    while (System.nanoTime() < deadline) {
      try {
        running = (int) stub.withDeadlineAfter(10, TimeUnit.SECONDS).listVms(ListVmsReq.getDefaultInstance())
            .getCvmsList().stream().filter(PerfClient::adoptedAndRunning).count();
        if (running >= count) {
          System.out.printf(Locale.ROOT, "{\"running\": %d, \"at_epoch_ms\": %d}%n", running,
              System.currentTimeMillis());
          return;
        }
      } catch (io.grpc.StatusRuntimeException e) {
        // not serving yet
      }
      Thread.sleep(10);
    }
    System.out.printf(Locale.ROOT, "{\"running\": %d, \"at_epoch_ms\": null}%n", running);
  }

  /** Running, and its QMP connection re-established (the guest status is known again). */
  private static boolean adoptedAndRunning(CvmSummary cvm) {
    return cvm.getState().equals("running") && cvm.getGuestStatus().equals("running");
  }

  private static double percentile(List<Double> sorted, int p) {
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }
}
