package io.cocos.manager.api;

import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Function;

/**
 * A gRPC message as its wire bytes, neither parsed nor built: for a server that parses requests
 * itself (to answer a malformed one), a client that reads answers straight from their bytes, or a
 * test that sends bytes no stub would. The size is bounded by the channel's or server's maximum
 * message size. A stream that cannot be read fails the call INTERNAL.
 */
public final class RawBytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
  /** Fails INTERNAL "reading a message failed: …" when the bytes cannot be read. */
  public static final RawBytesMarshaller INSTANCE =
      describingFailures(e -> "reading a message failed: " + e.getMessage());

  private final Function<IOException, String> failure;

  private RawBytesMarshaller(Function<IOException, String> failure) {
    this.failure = failure;
  }

  /** One whose INTERNAL status, when the bytes cannot be read, says {@code failure.apply(e)}. */
  public static RawBytesMarshaller describingFailures(Function<IOException, String> failure) {
    return new RawBytesMarshaller(failure);
  }

  @Override
  public InputStream stream(byte[] value) {
    return new ByteArrayInputStream(value);
  }

  @Override
  public byte[] parse(InputStream stream) {
    try {
      return stream.readAllBytes();
    } catch (IOException e) {
      throw Status.INTERNAL.withDescription(failure.apply(e)).withCause(e).asRuntimeException();
    }
  }
}
