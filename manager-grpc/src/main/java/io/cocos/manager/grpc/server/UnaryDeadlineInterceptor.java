package io.cocos.manager.grpc.server;

import io.cocos.manager.core.config.GoDuration;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Bounds every unary call by MANAGER_GRPC_TIMEOUT, whatever deadline the client sent (or none):
 * when it passes, the client gets DEADLINE_EXCEEDED and the call's Context is cancelled, which the
 * handler can observe. Streaming calls (log following) are exempt: they live as long as the client
 * wants.
 */
public final class UnaryDeadlineInterceptor implements ServerInterceptor {
  private final Duration timeout;
  private final ScheduledExecutorService scheduler;

  public UnaryDeadlineInterceptor(Duration timeout, ScheduledExecutorService scheduler) {
    this.timeout = timeout;
    this.scheduler = scheduler;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (call.getMethodDescriptor().getType() != MethodDescriptor.MethodType.UNARY) {
      return next.startCall(call, headers);
    }
    Context.CancellableContext context =
        Context.current().withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS, scheduler);
    CloseOnceCall<Q, R> guarded = new CloseOnceCall<>(call);
    context.addListener(
        c -> {
          if (context.cancellationCause() instanceof TimeoutException) {
            guarded.close(
                Status.DEADLINE_EXCEEDED.withDescription(
                    "no answer within MANAGER_GRPC_TIMEOUT (" + GoDuration.format(timeout) + ")"),
                new Metadata());
          }
        },
        Runnable::run);
    ServerCall.Listener<Q> listener = Contexts.interceptCall(context, guarded, headers, next);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onComplete() {
        try {
          super.onComplete();
        } finally {
          context.cancel(null);
        }
      }

      @Override
      public void onCancel() {
        try {
          super.onCancel();
        } finally {
          context.cancel(null);
        }
      }
    };
  }

  /**
   * A call that the handler and the deadline timer may both try to finish: whichever comes first
   * wins, the other's messages are dropped. Synchronised because ServerCall is not thread-safe.
   */
  private static final class CloseOnceCall<Q, R>
      extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    private boolean closed;

    CloseOnceCall(ServerCall<Q, R> delegate) {
      super(delegate);
    }

    @Override
    public synchronized void sendHeaders(Metadata headers) {
      if (!closed) {
        super.sendHeaders(headers);
      }
    }

    @Override
    public synchronized void sendMessage(R message) {
      if (!closed) {
        super.sendMessage(message);
      }
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
      if (!closed) {
        closed = true;
        super.close(status, trailers);
      }
    }
  }
}
