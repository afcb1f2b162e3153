package io.cocos.manager.grpc.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import com.google.protobuf.Timestamp;
import io.cocos.manager.api.AttestationPolicyReq;
import io.cocos.manager.api.AttestationPolicyRes;
import io.cocos.manager.api.CVMInfoReq;
import io.cocos.manager.api.CVMInfoRes;
import io.cocos.manager.api.CreateReq;
import io.cocos.manager.api.CreateRes;
import io.cocos.manager.api.CvmSummary;
import io.cocos.manager.api.HostInfoReq;
import io.cocos.manager.api.HostInfoRes;
import io.cocos.manager.api.LifecycleEvent;
import io.cocos.manager.api.ListVmsReq;
import io.cocos.manager.api.ListVmsRes;
import io.cocos.manager.api.LogLine;
import io.cocos.manager.api.ManagerServiceGrpc;
import io.cocos.manager.api.RemoveReq;
import io.cocos.manager.api.StreamLogsReq;
import io.cocos.manager.api.WatchEventsReq;
import io.cocos.manager.core.config.BoundedText;
import io.cocos.manager.core.console.ConsoleSource;
import io.cocos.manager.core.cvm.CreateRequest;
import io.cocos.manager.core.cvm.CreatedCvm;
import io.cocos.manager.core.cvm.CvmInfo;
import io.cocos.manager.core.cvm.CvmRecord;
import io.cocos.manager.core.cvm.ManagerException;
import io.cocos.manager.core.cvm.ManagerService;
import io.cocos.manager.core.cvm.RequestLimits;
import io.cocos.manager.core.event.CvmEvents;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC transport: translates messages to domain calls and domain failures to status codes. Id
 * fields are checked against their limit here ({@link RequestLimits#checkCvmId}), CreateVm's fields
 * in {@link io.cocos.manager.core.agent.AgentProvisioning}. A call whose caller has gone
 * (cancelled, or past its deadline) is not started: {@link #answer} checks before the domain call.
 */
public final class ManagerGrpcService extends ManagerServiceGrpc.ManagerServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(ManagerGrpcService.class);
  private final ManagerService service;
  private final CvmEvents events;
  private final ScheduledExecutorService streams;

  /**
   * @param streams runs the streaming calls' reads and sends; they never block, so a couple of
   *     threads serve any number of followers
   */
  public ManagerGrpcService(
      ManagerService service, CvmEvents events, ScheduledExecutorService streams) {
    this.service = service;
    this.events = events;
    this.streams = streams;
  }

  /** A call into the domain; its failures become statuses in {@link #answer}. */
  @FunctionalInterface
  private interface Call<T> {
    T run() throws ManagerException, InterruptedException;
  }

  @Override
  public void createVm(CreateReq req, StreamObserver<CreateRes> out) {
    answer(
        out,
        () -> {
          CreatedCvm created =
              service.createVm(
                  new CreateRequest(
                      req.getAgentLogLevel(),
                      req.getAgentCvmServerCaCert().toByteArray(),
                      req.getAgentCvmClientKey().toByteArray(),
                      req.getAgentCvmClientCert().toByteArray(),
                      req.getAgentCvmServerUrl(),
                      req.getAgentCvmCaUrl(),
                      req.getTtl(),
                      req.getAgentCertsToken(),
                      new CreateRequest.ObjectStorageAccess(
                          req.getAwsAccessKeyId(),
                          req.getAwsSecretAccessKey(),
                          req.getAwsEndpointUrl(),
                          req.getAwsRegion()),
                      req.getAaKbsParams()));
          if (Context.current().isCancelled()) {
            // Nobody will learn this CVM's id (the caller gave up or the deadline passed): undo it.
            log.warn(
                "CreateVm for {} finished after its caller stopped waiting; removing it",
                created.id());
            service.removeVm(created.id());
            throw new ManagerException(ManagerException.Reason.INTERNAL, "cancelled");
          }
          return CreateRes.newBuilder()
              .setCvmId(created.id())
              .setForwardedPort(Integer.toString(created.forwardedPort()))
              .build();
        });
  }

  @Override
  public void removeVm(RemoveReq req, StreamObserver<Empty> out) {
    answer(
        out,
        () -> {
          RequestLimits.checkCvmId("cvm_id", req.getCvmId());
          service.removeVm(req.getCvmId());
          return Empty.getDefaultInstance();
        });
  }

  @Override
  public void cVMInfo(CVMInfoReq req, StreamObserver<CVMInfoRes> out) {
    answer(
        out,
        () -> {
          RequestLimits.checkCvmId("id", req.getId());
          CvmInfo info = service.cvmInfo(req.getId());
          return CVMInfoRes.newBuilder()
              .setId(info.id())
              .setOvmfVersion(info.ovmfVersion())
              .setCpuNum(info.cpuCount())
              .setCpuType(info.cpuType())
              .setKernelCmd(info.kernelCommandLine())
              .setEosVersion(info.eosVersion())
              .build();
        });
  }

  @Override
  public void attestationPolicy(
      AttestationPolicyReq req, StreamObserver<AttestationPolicyRes> out) {
    answer(
        out,
        () -> {
          RequestLimits.checkCvmId("id", req.getId());
          // the policy tools may run for up to MANAGER_ATTESTATION_TOOL_TIMEOUT: stop them with the
          // call
          byte[] policy = interruptedOnCancel(() -> service.attestationPolicy(req.getId()));
          return AttestationPolicyRes.newBuilder()
              .setId(req.getId())
              .setInfo(ByteString.copyFrom(policy))
              .build();
        });
  }

  @Override
  public void hostInfo(HostInfoReq req, StreamObserver<HostInfoRes> out) {
    answer(out, () -> HostInfoMessages.toProto(service.hostInfo()));
  }

  @Override
  public void listVms(ListVmsReq req, StreamObserver<ListVmsRes> out) {
    answer(
        out,
        () -> {
          ListVmsRes.Builder res = ListVmsRes.newBuilder();
          for (CvmRecord r : service.listVms()) {
            res.addCvms(summary(r, service.guestStatus(r.id()), service.agentReadyAfter(r.id())));
          }
          return res.build();
        });
  }

  @Override
  public void streamLogs(StreamLogsReq req, StreamObserver<LogLine> out) {
    ConsoleSource source;
    try {
      RequestLimits.checkCvmId("cvm_id", req.getCvmId());
      source = service.console(req.getCvmId());
    } catch (ManagerException e) {
      out.onError(StatusMapping.toStatus(e));
      return;
    }
    // tail is a uint32: read unsigned (a value past 2^31 means "everything", not a negative count)
    LogStream.start(
        source,
        Integer.toUnsignedLong(req.getTail()),
        req.getFollow(),
        req.getBatch(),
        (ServerCallStreamObserver<LogLine>) out,
        streams);
  }

  @Override
  public void watchEvents(WatchEventsReq req, StreamObserver<LifecycleEvent> out) {
    try {
      RequestLimits.checkCvmId("cvm_id", req.getCvmId());
    } catch (ManagerException e) {
      out.onError(StatusMapping.toStatus(e));
      return;
    }
    EventStream.start(
        events,
        req.getCvmId(),
        (ServerCallStreamObserver<LifecycleEvent>) out,
        streams,
        id -> {
          try {
            service.cvmInfo(id);
            return Optional.empty();
          } catch (ManagerException e) {
            return Optional.of(StatusMapping.toStatus(e));
          }
        });
  }

  static CvmSummary summary(CvmRecord r, String guestStatus, Optional<Duration> agentReadyAfter) {
    CvmSummary.Builder b =
        CvmSummary.newBuilder()
            .setId(r.id())
            .setState(r.state().wireName())
            .setForwardedPort(r.hostPort() == 0 ? "" : Integer.toString(r.hostPort()))
            .setGuestCid(r.guestCid())
            .setPid(r.pid())
            .setTee(r.tee().wireName())
            .setCreatedAt(timestamp(r.createdAt()));
    if (r.ttlDeadline() != null) {
      b.setTtlDeadline(timestamp(r.ttlDeadline()));
    }
    if (r.exitCode() != null) {
      b.setExitCode(r.exitCode());
    }
    if (r.failure() != null) {
      b.setFailure(r.failure());
    }
    b.setGuestStatus(guestStatus);
    agentReadyAfter.ifPresent(d -> b.setAgentReadySeconds(d.toNanos() / 1e9));
    return b.build();
  }

  private static Timestamp timestamp(Instant i) {
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
  }

  /**
   * Runs a step that only reads (so stopping it midway leaves nothing half-done) and that waits
   * interruptibly, interrupting it when the call is cancelled or its deadline passes: the work
   * stops with the call instead of running on for nobody. The interrupt can only land while the
   * step runs: the flag and the interrupt share a lock, and a late interrupt is cleared before the
   * thread goes back to gRPC's pool.
   */
  private static <T> T interruptedOnCancel(Call<T> step)
      throws ManagerException, InterruptedException {
    Thread worker = Thread.currentThread();
    Object lock = new Object();
    boolean[] running = {true};
    Context.CancellationListener interrupt =
        c -> {
          synchronized (lock) {
            if (running[0]) {
              worker.interrupt();
            }
          }
        };
    Context context = Context.current();
    context.addListener(interrupt, Runnable::run);
    try {
      return step.run();
    } finally {
      context.removeListener(interrupt);
      synchronized (lock) {
        running[0] = false;
      }
      if (context.isCancelled()) {
        Thread.interrupted(); // the call is over; the pool thread must not carry the flag on
      }
    }
  }

  private static <T> void answer(StreamObserver<T> out, Call<T> call) {
    T result;
    try {
      if (Context.current().isCancelled()) {
        // the caller gave up (or its deadline passed) while the call waited for a thread
        out.onError(
            Status.CANCELLED
                .withDescription("the call ended before it started")
                .asRuntimeException());
        return;
      }
      result = call.run();
    } catch (ManagerException e) {
      out.onError(StatusMapping.toStatus(e));
      return;
    } catch (InterruptedException e) {
      if (Context.current().isCancelled()) {
        // interrupted because the call ended: its status is already decided; this is not seen
        out.onError(
            Status.CANCELLED.withDescription("the call ended while it ran").asRuntimeException());
        return;
      }
      Thread.currentThread().interrupt();
      out.onError(
          Status.CANCELLED.withDescription("the manager is shutting down").asRuntimeException());
      return;
    } catch (RuntimeException e) {
      log.error("unexpected failure", e);
      out.onError(
          Status.INTERNAL
              .withDescription("internal error: " + BoundedText.of(e.toString()))
              .asRuntimeException());
      return;
    }
    out.onNext(result);
    out.onCompleted();
  }
}
