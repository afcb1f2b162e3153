package io.cocos.manager.grpc.server;

import io.cocos.manager.api.RawBytesMarshaller;
import io.cocos.manager.core.config.BoundedText;
import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.SecurityLevel;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses a service's requests where a failure can be answered: INVALID_ARGUMENT with one line
 * saying what did not parse. grpc-java parses requests with the method's marshaller before the
 * application sees them, and a marshaller failure (truncated message, invalid UTF-8 in a string, an
 * 11-byte varint) ends the call UNKNOWN "Application error processing RPC". So the service is
 * re-registered with a marshaller that only takes the bytes (bounded by the server's maximum
 * message size), and this layer parses them with the real one. Interceptors applied on top see the
 * call as usual, its closing status included.
 */
public final class RequestParsing {
  /**
   * Takes a request's bytes as they are; the size is bounded by the server's maximum message size.
   */
  private static final RawBytesMarshaller REQUEST_BYTES =
      RawBytesMarshaller.describingFailures(e -> "reading the request failed");

  private RequestParsing() {}

  public static ServerServiceDefinition strict(ServerServiceDefinition service) {
    List<ServerMethodDefinition<byte[], ?>> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      methods.add(strict(method));
    }
    // the schema stays, so reflection still describes the service
    ServiceDescriptor.Builder descriptor =
        ServiceDescriptor.newBuilder(service.getServiceDescriptor().getName())
            .setSchemaDescriptor(service.getServiceDescriptor().getSchemaDescriptor());
    methods.forEach(m -> descriptor.addMethod(m.getMethodDescriptor()));
    ServerServiceDefinition.Builder strict = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(strict::addMethod);
    return strict.build();
  }

  private static <Q, R> ServerMethodDefinition<byte[], R> strict(
      ServerMethodDefinition<Q, R> method) {
    MethodDescriptor<Q, R> typed = method.getMethodDescriptor();
    MethodDescriptor<byte[], R> raw =
        typed.toBuilder(REQUEST_BYTES, typed.getResponseMarshaller()).build();
    return ServerMethodDefinition.create(
        raw, (call, headers) -> parsing(typed, method.getServerCallHandler(), call, headers));
  }

  private static <Q, R> ServerCall.Listener<byte[]> parsing(
      MethodDescriptor<Q, R> typed,
      ServerCallHandler<Q, R> next,
      ServerCall<byte[], R> call,
      Metadata headers) {
    TypedCall<Q, R> typedCall = new TypedCall<>(call, typed);
    ServerCall.Listener<Q> delegate = next.startCall(typedCall, headers);
    return new ServerCall.Listener<>() {
      private boolean refused;

      @Override
      public void onMessage(byte[] message) {
        if (refused) {
          return;
        }
        Q request;
        try {
          request = typed.parseRequest(new ByteArrayInputStream(message));
        } catch (RuntimeException e) {
          refused = true;
          typedCall.close(
              Status.INVALID_ARGUMENT.withDescription(
                  "the " + typed.getBareMethodName() + " request does not parse: " + reason(e)),
              new Metadata());
          return;
        }
        delegate.onMessage(request);
      }

      @Override
      public void onHalfClose() {
        if (!refused) {
          delegate.onHalfClose();
        }
      }

      @Override
      public void onCancel() {
        delegate.onCancel();
      }

      @Override
      public void onComplete() {
        delegate.onComplete();
      }

      @Override
      public void onReady() {
        if (!refused) {
          delegate.onReady();
        }
      }
    };
  }

  /** The parser's own words (protobuf says what was wrong), first line only, bounded. */
  private static String reason(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    message = message.lines().findFirst().orElse("");
    return message.length() > 200 ? BoundedText.of(message) : message;
  }

  /**
   * The call as the typed handler sees it. After a refusal the handler never gets a request, so it
   * never answers; the deadline interceptor, outside this layer, drops its own late close.
   */
  private static final class TypedCall<Q, R> extends ServerCall<Q, R> {
    private final ServerCall<byte[], R> call;
    private final MethodDescriptor<Q, R> method;

    TypedCall(ServerCall<byte[], R> call, MethodDescriptor<Q, R> method) {
      this.call = call;
      this.method = method;
    }

    @Override
    public void request(int numMessages) {
      call.request(numMessages);
    }

    @Override
    public void sendHeaders(Metadata headers) {
      call.sendHeaders(headers);
    }

    @Override
    public void sendMessage(R message) {
      call.sendMessage(message);
    }

    @Override
    public void close(Status status, Metadata trailers) {
      call.close(status, trailers);
    }

    @Override
    public boolean isCancelled() {
      return call.isCancelled();
    }

    @Override
    public boolean isReady() {
      return call.isReady();
    }

    @Override
    public void setMessageCompression(boolean enabled) {
      call.setMessageCompression(enabled);
    }

    @Override
    public void setCompression(String compressor) {
      call.setCompression(compressor);
    }

    @Override
    public void setOnReadyThreshold(int numBytes) {
      call.setOnReadyThreshold(numBytes);
    }

    @Override
    public Attributes getAttributes() {
      return call.getAttributes();
    }

    @Override
    public String getAuthority() {
      return call.getAuthority();
    }

    @Override
    public SecurityLevel getSecurityLevel() {
      return call.getSecurityLevel();
    }

    @Override
    public MethodDescriptor<Q, R> getMethodDescriptor() {
      return method;
    }
  }
}
