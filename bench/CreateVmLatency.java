import io.cocos.manager.api.CreateReq;
import io.cocos.manager.api.ManagerServiceGrpc;
import io.cocos.manager.api.RemoveReq;
import io.cocos.manager.api.ListVmsReq;
import io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * CreateVm latency against a running manager: N sequential CreateVm calls (each followed by a
 * RemoveVm), reporting the median and the 90th percentile. Run by bench/createvm-vs-qmp.sh.
 * The client is warmed up first (ListVms calls, then a few CreateVm), as a long-running caller
 * (the CMS, a service) is: a cold JVM's first gRPC calls run interpreted and added about 10 ms
 * of the client's own to each CreateVm measured.
 */
public class CreateVmLatency {
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    int runs = Integer.parseInt(args[1]);
    var channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    var stub = ManagerServiceGrpc.newBlockingStub(channel);
    List<Double> millis = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      stub.withDeadlineAfter(30, TimeUnit.SECONDS).listVms(ListVmsReq.getDefaultInstance());
    }
    for (int i = 0; i < runs + 5; i++) {
      long start = System.nanoTime();
      var created = stub.withDeadlineAfter(30, TimeUnit.SECONDS).createVm(CreateReq.newBuilder()
          .setAgentCvmServerUrl("10.0.2.2:7001").setAgentLogLevel("info").build());
      double ms = (System.nanoTime() - start) / 1e6;
      if (i >= 5) { // the first calls warm the JIT up
        millis.add(ms);
      }
      stub.withDeadlineAfter(60, TimeUnit.SECONDS).removeVm(RemoveReq.newBuilder().setCvmId(created.getCvmId()).build());
    }
    Collections.sort(millis);
    System.out.printf("CreateVm over %d runs: median %.1f ms, p90 %.1f ms, min %.1f ms, max %.1f ms%n", runs,
        millis.get(runs / 2), millis.get((int) (runs * 0.9)), millis.get(0), millis.get(runs - 1));
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
