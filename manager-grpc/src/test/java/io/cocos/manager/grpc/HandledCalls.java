package io.cocos.manager.grpc;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Records each call whose handler has run, by method name: for a streaming call, once it returns
 * the stream has subscribed to what it follows. Tests wait for that instead of a fixed time. Added
 * to a test server with {@code ManagerDaemon.start(env, config ->
 * GrpcServer.tcp(config).intercept(handled))}.
 */
final class HandledCalls implements ServerInterceptor {
  private final List<String> handled = new CopyOnWriteArrayList<>();

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getBareMethodName();
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
        next.startCall(call, headers)) {
      @Override
      public void onHalfClose() {
        super.onHalfClose(); // a call with one request message runs its handler here
        handled.add(method);
      }
    };
  }

  /** How many calls of the method (e.g. "WatchEvents") have been handled so far. */
  long count(String method) {
    return handled.stream().filter(method::equals).count();
  }
}
