import io.cocos.manager.api.CreateReq;
import io.cocos.manager.api.ManagerServiceGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Creates N CVMs on a running manager, a few at a time, and keeps them: prints the throughput and
 * the CreateVm latencies. Run by bench/cvm-footprint.sh.
 */
public class CreateMany {
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    int count = Integer.parseInt(args[1]);
    int parallel = args.length > 2 ? Integer.parseInt(args[2]) : 4;
    var channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    var stub = ManagerServiceGrpc.newBlockingStub(channel);
    ExecutorService callers = Executors.newFixedThreadPool(parallel);
    List<Future<Double>> calls = new ArrayList<>();
    long began = System.nanoTime();
    for (int i = 0; i < count; i++) {
      calls.add(callers.submit(() -> {
        long start = System.nanoTime();
        stub.withDeadlineAfter(60, TimeUnit.SECONDS).createVm(CreateReq.newBuilder()
            .setAgentCvmServerUrl("10.0.2.2:7001").setAgentLogLevel("info").build());
        return (System.nanoTime() - start) / 1e6;
      }));
    }
    List<Double> millis = new ArrayList<>();
    for (Future<Double> call : calls) {
      millis.add(call.get());
    }
    double seconds = (System.nanoTime() - began) / 1e9;
    Collections.sort(millis);
    System.out.printf("created %d CVMs in %.1f s (%.1f/s, %d at a time): CreateVm median %.1f ms, p99 %.1f ms, max %.1f ms%n",
        count, seconds, count / seconds, parallel, millis.get(count / 2), millis.get((int) (count * 0.99)),
        millis.get(count - 1));
    callers.shutdown();
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
