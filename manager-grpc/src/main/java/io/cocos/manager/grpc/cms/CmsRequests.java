package io.cocos.manager.grpc.cms;

import io.cocos.manager.api.ManagerServiceGrpc;
import io.cocos.manager.cms.api.ErrorStatus;
import io.cocos.manager.cms.api.Request;
import io.cocos.manager.cms.api.Response;
import io.cocos.manager.cms.api.StatusCode;
import io.cocos.manager.core.concurrent.DaemonThreads;
import io.cocos.manager.core.config.BoundedText;
import io.cocos.manager.core.cvm.RequestLimits;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the CMS's requests. They are the gRPC API's calls carried over another stream, so they are
 * made as calls to the API itself, in-process ({@link
 * io.cocos.manager.grpc.server.GrpcServer#localChannel}): request parsing and limits,
 * MANAGER_GRPC_TIMEOUT, per-RPC metrics, tracing, logging, the answers, the error codes and
 * messages are the API's by construction.
 *
 * <p>Each request is started from a pool of its own threads (up to {@link #THREADS} at once, and
 * {@link #QUEUE} more waiting), so a slow CreateVm holds up neither a RemoveVm nor the link's
 * stream. Beyond that the manager is busy: the request is answered RESOURCE_EXHAUSTED at once,
 * without running, and may be sent again with the same id. A request id seen recently is answered
 * from the {@link RequestLedger} and not run again.
 */
final class CmsRequests implements AutoCloseable {
  static final int THREADS = 8;
  static final int QUEUE = 64;
  static final Duration CLOSE_GRACE = Duration.ofSeconds(5);
  private static final Logger log = LoggerFactory.getLogger(CmsRequests.class);

  private final Supplier<? extends Channel> api;
  private final RequestLedger ledger;
  private final ExecutorService workers;

  /**
   * @param api the manager's API (in-process), whose calls run the requests; asked for at each
   *     request (the link made it when it connected)
   */
  CmsRequests(Supplier<? extends Channel> api, RequestLedger ledger) {
    this.api = api;
    this.ledger = ledger;
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            THREADS,
            THREADS,
            60,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUE),
            DaemonThreads.numbered("cms-request"));
    pool.allowCoreThreadTimeOut(true);
    this.workers = pool;
  }

  /** Answers a request through {@code reply}, from any thread, once its result is known. */
  void handle(Request request, Consumer<Response> reply) {
    String id = request.getRequestId();
    if (id.isEmpty()) {
      reply.accept(failure(request, StatusCode.INVALID_ARGUMENT, "request_id is required"));
      return;
    }
    if (id.length() > RequestLimits.REQUEST_ID) {
      log.warn("CMS request {} refused: its id is too long", BoundedText.quote(id));
      reply.accept(
          failure(
              request,
              StatusCode.INVALID_ARGUMENT,
              "request_id is "
                  + id.length()
                  + " characters long; at most "
                  + RequestLimits.REQUEST_ID
                  + " are accepted"));
      return;
    }
    RequestLedger.Claim claim = ledger.claim(id);
    if (claim.first()) {
      log.debug("CMS request {}: {}", id, request.getOperationCase());
      try {
        // the worker waits for the call's end, so THREADS bounds the requests running at once
        workers.execute(() -> claim.result().complete(run(request).join()));
      } catch (RejectedExecutionException e) {
        if (workers.isShutdown()) {
          claim
              .result()
              .complete(failure(request, StatusCode.UNAVAILABLE, "the manager is shutting down"));
        } else {
          // never ran: forgotten, so the CMS may send the same id again later
          ledger.forget(id, claim.result());
          log.warn(
              "CMS request {} ({}) refused: the manager is busy ({} requests running, {} waiting)",
              id,
              request.getOperationCase(),
              THREADS,
              QUEUE);
          claim
              .result()
              .complete(
                  failure(
                      request,
                      StatusCode.RESOURCE_EXHAUSTED,
                      "the manager is busy: "
                          + THREADS
                          + " requests running and "
                          + QUEUE
                          + " waiting; send it again later (same request_id)"));
        }
      }
    } else {
      log.info(
          "CMS request {} ({}) was sent again; answering with its first result",
          id,
          request.getOperationCase());
    }
    claim.result().thenAccept(reply);
  }

  private CompletableFuture<Response> run(Request request) {
    Response.Builder answer = Response.newBuilder().setRequestId(request.getRequestId());
    CompletableFuture<Response> result;
    try {
      result = dispatch(request, answer);
    } catch (RuntimeException e) {
      log.error("CMS request {} failed unexpectedly", request.getRequestId(), e);
      result = CompletableFuture.failedFuture(e);
    }
    return result.exceptionally(
        e -> {
          Status status = Status.fromThrowable(e);
          String message =
              status.getDescription() != null
                  ? status.getDescription()
                  : status.getCode().toString();
          return failure(request, StatusCode.forNumber(status.getCode().value()), message);
        });
  }

  private CompletableFuture<Response> dispatch(Request request, Response.Builder answer) {
    ManagerServiceGrpc.ManagerServiceStub service = ManagerServiceGrpc.newStub(api.get());
    return switch (request.getOperationCase()) {
      case CREATE ->
          call(service::createVm, request.getCreate()).thenApply(r -> answer.setCreate(r).build());
      case REMOVE ->
          call(service::removeVm, request.getRemove()).thenApply(r -> answer.setRemove(r).build());
      case ATTESTATION_POLICY ->
          call(service::attestationPolicy, request.getAttestationPolicy())
              .thenApply(r -> answer.setAttestationPolicy(r).build());
      case CVM_INFO ->
          call(service::cVMInfo, request.getCvmInfo()).thenApply(r -> answer.setCvmInfo(r).build());
      case LIST ->
          call(service::listVms, request.getList()).thenApply(r -> answer.setList(r).build());
      case HOST_INFO ->
          call(service::hostInfo, request.getHostInfo())
              .thenApply(r -> answer.setHostInfo(r).build());
      case OPERATION_NOT_SET ->
          CompletableFuture.completedFuture(
              failure(
                  request,
                  StatusCode.UNIMPLEMENTED,
                  "unknown operation: the request sets none this manager knows"));
    };
  }

  /** Calls one unary method of the API; the future completes when the call ends. */
  static <Q, R> CompletableFuture<R> call(BiConsumer<Q, StreamObserver<R>> method, Q request) {
    CompletableFuture<R> result = new CompletableFuture<>();
    method.accept(
        request,
        new StreamObserver<>() {
          private R value;

          @Override
          public void onNext(R v) {
            value = v;
          }

          @Override
          public void onError(Throwable t) {
            result.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            result.complete(value);
          }
        });
    return result;
  }

  private static Response failure(Request request, StatusCode code, String message) {
    return Response.newBuilder()
        .setRequestId(request.getRequestId())
        .setError(ErrorStatus.newBuilder().setCode(code).setMessage(message))
        .build();
  }

  /**
   * The manager is stopping: requests already running get up to {@link #CLOSE_GRACE} to finish (as
   * the gRPC server gives its calls), so a CreateVm is not cut short and rolled back.
   */
  @Override
  public void close() {
    workers.shutdown();
    try {
      if (!workers.awaitTermination(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        workers.shutdownNow();
      }
    } catch (InterruptedException e) {
      workers.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
