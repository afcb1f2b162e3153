import io.cocos.manager.api.CreateReq;
import io.cocos.manager.api.ManagerServiceGrpc;
import io.cocos.manager.api.RemoveReq;
import io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;

/**
 * N sequential CreateVm + RemoveVm cycles against a running manager; prints a dot per 100. Run by
 * bench/soak-create-remove.sh, which measures the manager before and after.
 */
public class SoakCycles {
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    int cycles = Integer.parseInt(args[1]);
    var channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    var stub = ManagerServiceGrpc.newBlockingStub(channel);
    for (int i = 1; i <= cycles; i++) {
      var created = stub.withDeadlineAfter(30, TimeUnit.SECONDS).createVm(CreateReq.newBuilder()
          .setAgentCvmServerUrl("10.0.2.2:7001").setAgentLogLevel("info").build());
      stub.withDeadlineAfter(60, TimeUnit.SECONDS).removeVm(RemoveReq.newBuilder().setCvmId(created.getCvmId()).build());
      if (i % 100 == 0) {
        System.out.print(".");
        System.out.flush();
      }
    }
    System.out.println();
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
