package io.cocos.manager.grpc.observability;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import java.util.List;

/** Counts every call and measures its duration, by method and status code. */
public final class RpcMetricsInterceptor implements ServerInterceptor {
  private static final AttributeKey<String> METHOD = AttributeKey.stringKey("method");
  private static final AttributeKey<String> CODE = AttributeKey.stringKey("code");
  private final LongCounter requests;
  private final DoubleHistogram duration;

  public RpcMetricsInterceptor(Meter meter) {
    requests =
        meter.counterBuilder("manager.rpc.requests").setDescription("gRPC calls handled").build();
    duration =
        meter
            .histogramBuilder("manager.rpc.duration")
            .setUnit("s")
            .setDescription("gRPC call duration")
            .setExplicitBucketBoundariesAdvice(
                List.of(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0))
            .build();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    long start = System.nanoTime();
    String method = call.getMethodDescriptor().getBareMethodName();
    return next.startCall(
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            Attributes attributes = Attributes.of(METHOD, method, CODE, status.getCode().name());
            requests.add(1, attributes);
            duration.record((System.nanoTime() - start) / 1e9, attributes);
            super.close(status, trailers);
          }
        },
        headers);
  }
}
