package io.cocos.manager.grpc.cms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Empty;
import io.cocos.manager.api.CreateReq;
import io.cocos.manager.api.CreateRes;
import io.cocos.manager.api.ManagerServiceGrpc;
import io.cocos.manager.api.RemoveReq;
import io.cocos.manager.cms.api.Request;
import io.cocos.manager.cms.api.Response;
import io.cocos.manager.cms.api.StatusCode;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Requests against a stand-in service: concurrency, repeats, and the errors the link adds itself.
 */
class CmsRequestsTest {
  final CountDownLatch createMayFinish = new CountDownLatch(1);
  final AtomicInteger creates = new AtomicInteger();
  final List<Response> answers = new CopyOnWriteArrayList<>();

  final ManagerServiceGrpc.AsyncService service =
      new ManagerServiceGrpc.AsyncService() {
        @Override
        public void createVm(CreateReq req, StreamObserver<CreateRes> out) {
          creates.incrementAndGet();
          try {
            createMayFinish.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          out.onNext(
              CreateRes.newBuilder()
                  .setCvmId("cvm-" + creates.get())
                  .setForwardedPort("6100")
                  .build());
          out.onCompleted();
        }

        @Override
        public void removeVm(RemoveReq req, StreamObserver<Empty> out) {
          out.onError(
              Status.NOT_FOUND
                  .withDescription("no CVM with id " + req.getCvmId())
                  .asRuntimeException());
        }
      };

  final String name = "cms-requests-test-" + UUID.randomUUID();
  final Server api =
      start(
          InProcessServerBuilder.forName(name)
              .addService(ManagerServiceGrpc.bindService(service))
              .build());
  final ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
  final CmsRequests requests =
      new CmsRequests(
          () -> channel, new RequestLedger(100, RequestLedger.RETENTION, Clock.systemUTC()));

  static Server start(Server server) {
    try {
      return server.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @AfterEach
  void close() {
    createMayFinish.countDown();
    requests.close();
    channel.shutdownNow();
    api.shutdownNow();
  }

  static Request create(String id) {
    return Request.newBuilder().setRequestId(id).setCreate(CreateReq.getDefaultInstance()).build();
  }

  @Test
  void aSlowCreateDoesNotHoldUpARemoveAndErrorsCarryTheApisCode() throws Exception {
    requests.handle(create("c1"), answers::add);
    requests.handle(
        Request.newBuilder()
            .setRequestId("r1")
            .setRemove(RemoveReq.newBuilder().setCvmId("x"))
            .build(),
        answers::add);
    awaitAnswers(1);
    assertThat(answers.get(0).getRequestId()).isEqualTo("r1");
    assertThat(answers.get(0).getError().getCode()).isEqualTo(StatusCode.NOT_FOUND);
    assertThat(answers.get(0).getError().getMessage()).isEqualTo("no CVM with id x");
    createMayFinish.countDown();
    awaitAnswers(2);
    assertThat(answers.get(1).getCreate().getCvmId()).isEqualTo("cvm-1");
  }

  @Test
  void aRepeatedIdRunsOnceAndIsAnsweredTwiceWithTheFirstResult() throws Exception {
    requests.handle(create("same"), answers::add);
    requests.handle(create("same"), answers::add); // while the first still runs
    createMayFinish.countDown();
    awaitAnswers(2);
    requests.handle(create("same"), answers::add); // after it finished
    awaitAnswers(3);
    assertThat(creates).hasValue(1);
    assertThat(answers).allSatisfy(a -> assertThat(a).isEqualTo(answers.get(0)));
  }

  @Test
  void aRequestWithoutIdOrOperationIsRefused() throws Exception {
    requests.handle(
        Request.newBuilder().setCreate(CreateReq.getDefaultInstance()).build(), answers::add);
    requests.handle(Request.newBuilder().setRequestId("empty").build(), answers::add);
    awaitAnswers(2);
    assertThat(answers)
        .extracting(a -> a.getError().getCode())
        .containsExactlyInAnyOrder(StatusCode.INVALID_ARGUMENT, StatusCode.UNIMPLEMENTED);
    assertThat(creates).hasValue(0);
  }

  @Test
  void beyondTheQueueTheManagerIsBusyAndTheSameIdMaySendAgainLater() throws Exception {
    int capacity = CmsRequests.THREADS + CmsRequests.QUEUE;
    for (int i = 0; i < capacity; i++) {
      requests.handle(create("fill-" + i), answers::add);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> creates.get() == CmsRequests.THREADS);
    requests.handle(create("one-too-many"), answers::add);
    awaitAnswers(1);
    assertThat(answers.get(0).getRequestId()).isEqualTo("one-too-many");
    assertThat(answers.get(0).getError().getCode()).isEqualTo(StatusCode.RESOURCE_EXHAUSTED);
    assertThat(answers.get(0).getError().getMessage()).startsWith("the manager is busy: ");
    createMayFinish.countDown();
    awaitAnswers(capacity + 1);
    requests.handle(create("one-too-many"), answers::add);
    awaitAnswers(capacity + 2);
    assertThat(answers.get(capacity + 1).hasCreate())
        .as("forgotten when refused, so it runs now")
        .isTrue();
    assertThat(creates).hasValue(capacity + 1);
  }

  private void awaitAnswers(int count) {
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> answers.size() >= count);
    assertThat(answers).hasSize(count);
  }
}
