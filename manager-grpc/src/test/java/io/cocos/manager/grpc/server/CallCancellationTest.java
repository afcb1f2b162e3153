package io.cocos.manager.grpc.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.cocos.manager.api.AttestationPolicyReq;
import io.cocos.manager.api.ManagerServiceGrpc;
import io.cocos.manager.core.console.ConsoleSource;
import io.cocos.manager.core.console.ConsoleWatcher;
import io.cocos.manager.core.cvm.CreateRequest;
import io.cocos.manager.core.cvm.CreatedCvm;
import io.cocos.manager.core.cvm.CvmInfo;
import io.cocos.manager.core.cvm.CvmRecord;
import io.cocos.manager.core.cvm.HostInfo;
import io.cocos.manager.core.cvm.ManagerException;
import io.cocos.manager.core.cvm.ManagerService;
import io.cocos.manager.core.event.CvmEventListener;
import io.cocos.manager.core.event.CvmEvents;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A call's work stops when its deadline passes: the slow step is interrupted, not left running. */
class CallCancellationTest {
  final CountDownLatch policyStarted = new CountDownLatch(1);
  final AtomicBoolean policyInterrupted = new AtomicBoolean();
  final ScheduledExecutorService streams = Executors.newSingleThreadScheduledExecutor();
  final String name = "cancellation-" + UUID.randomUUID();
  Server server;
  ManagedChannel channel;

  /** Only AttestationPolicy matters: it waits (as the policy tool runs) until interrupted. */
  final ManagerService slowPolicy =
      new ManagerService() {
        @Override
        public byte[] attestationPolicy(String cvmId) throws InterruptedException {
          policyStarted.countDown();
          try {
            Thread.sleep(Duration.ofMinutes(1).toMillis());
          } catch (InterruptedException e) {
            policyInterrupted.set(true);
            throw e;
          }
          return new byte[0];
        }

        @Override
        public CreatedCvm createVm(CreateRequest request) throws ManagerException {
          throw ManagerException.invalid("not in this test");
        }

        @Override
        public void removeVm(String cvmId) throws ManagerException {
          throw ManagerException.notFound(cvmId);
        }

        @Override
        public CvmInfo cvmInfo(String cvmId) throws ManagerException {
          throw ManagerException.notFound(cvmId);
        }

        @Override
        public List<CvmRecord> listVms() {
          return List.of();
        }

        @Override
        public HostInfo hostInfo() {
          throw new UnsupportedOperationException("not in this test");
        }

        @Override
        public String guestStatus(String cvmId) {
          return "";
        }

        @Override
        public Optional<Duration> agentReadyAfter(String cvmId) {
          return Optional.empty();
        }

        @Override
        public ConsoleSource console(String cvmId) throws ManagerException {
          throw ManagerException.notFound(cvmId);
        }
      };

  static final CvmEvents NO_EVENTS =
      new CvmEvents() {
        @Override
        public AutoCloseable subscribe(CvmEventListener listener) {
          return () -> {};
        }

        @Override
        public AutoCloseable subscribeConsole(ConsoleWatcher.LineListener listener) {
          return () -> {};
        }
      };

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
    streams.shutdownNow();
  }

  @Test
  void aSlowAttestationPolicyIsInterruptedWhenTheClientsDeadlinePasses() throws Exception {
    server =
        InProcessServerBuilder.forName(name)
            .addService(
                RequestParsing.strict(
                    new ManagerGrpcService(slowPolicy, NO_EVENTS, streams).bindService()))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).build();
    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                ManagerServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(2, TimeUnit.SECONDS)
                    .attestationPolicy(
                        AttestationPolicyReq.newBuilder()
                            .setId(UUID.randomUUID().toString())
                            .build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(policyStarted.await(5, TimeUnit.SECONDS)).isTrue();
    await().atMost(Duration.ofSeconds(5)).untilTrue(policyInterrupted);
  }
}
