package io.cocos.manager.grpc.cms;

import com.google.protobuf.Timestamp;
import io.cocos.manager.api.HostInfoReq;
import io.cocos.manager.api.ListVmsReq;
import io.cocos.manager.api.ListVmsRes;
import io.cocos.manager.api.ManagerServiceGrpc;
import io.cocos.manager.cms.api.GuestInfo;
import io.cocos.manager.cms.api.Hello;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The hello that opens each stream to the CMS: who this manager is, what it launches, every CVM it
 * knows (from the API, so the CMS sees what ListVms says), its host's capacity (as HostInfo says)
 * and what the link's buffers have dropped.
 */
final class CmsHello {
  static final Duration LIST_TIMEOUT = Duration.ofSeconds(10);

  private CmsHello() {}

  /**
   * @param api the manager's API, in-process
   * @throws StatusRuntimeException when the CVMs cannot be listed
   */
  static Hello of(ManagerDescription self, Channel api, Outbox.Dropped dropped) {
    // answered from memory, in-process: this holds the link thread for well under a millisecond
    ListVmsRes cvms =
        ManagerServiceGrpc.newBlockingStub(api)
            .withDeadlineAfter(LIST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
            .listVms(ListVmsReq.getDefaultInstance());
    Hello.Builder hello = Hello.newBuilder();
    try {
      hello.setHost(
          ManagerServiceGrpc.newBlockingStub(api)
              .withDeadlineAfter(LIST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
              .hostInfo(HostInfoReq.getDefaultInstance()));
    } catch (StatusRuntimeException e) {
      // the hello goes without it: the CMS can ask with a host_info request
    }
    return hello
        .setInstanceId(self.instanceId())
        .setManagerVersion(self.version())
        .setManagerStartedAt(
            Timestamp.newBuilder()
                .setSeconds(self.startedAt().getEpochSecond())
                .setNanos(self.startedAt().getNano()))
        .setTee(self.tee().wireName())
        .setGuest(
            GuestInfo.newBuilder()
                .setOvmfVersion(self.guest().ovmfVersion())
                .setCpuNum(self.guest().cpuCount())
                .setCpuType(self.guest().cpuType())
                .setKernelCmd(self.guest().kernelCommandLine())
                .setEosVersion(self.eosVersion()))
        .addAllCvms(cvms.getCvmsList())
        .setEventsDropped(dropped.events())
        .setConsoleLinesDropped(dropped.consoleLines())
        .build();
  }
}
