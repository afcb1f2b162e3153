package io.cocos.cli.grpc;

import io.cocos.cli.CliContext;
import io.cocos.cli.CliException;
import io.cocos.cli.ExitCode;
import io.cocos.cli.Files2;
import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.AbstractStub;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * A channel to a peer (the manager or an agent). Like upstream's grpc.NewClient it connects lazily:
 * the first call dials, so "Connected to manager" means "configured", and an unreachable peer shows
 * up as that call's UNAVAILABLE, which {@link TransportErrors} puts in words.
 */
public final class GrpcConnection implements AutoCloseable {
  private final GrpcClientConfig config;
  private final EventLoopGroup eventLoop;
  private final ManagedChannel channel;

  private GrpcConnection(
      GrpcClientConfig config, EventLoopGroup eventLoop, ManagedChannel channel) {
    this.config = config;
    this.eventLoop = eventLoop;
    this.channel = channel;
  }

  public static GrpcConnection open(CliContext ctx, GrpcClientConfig config) {
    SslContext tls = config.tls() ? sslContext(ctx, config) : null;
    // An event loop of our own, ended in close(). grpc-java's shared one outlives the channel by a
    // second, its thread parked in epoll_wait, and a JDK 17 VM then spends 300 ms at exit waiting
    // for that thread "in native" to stop: a third of a short command's run time.
    EventLoopGroup eventLoop =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("cocos-cli-io", true), NioIoHandler.newFactory());
    NettyChannelBuilder builder =
        NettyChannelBuilder.forTarget(config.url())
            .eventLoopGroup(eventLoop)
            .channelType(NioSocketChannel.class)
            .maxInboundMessageSize(64 << 20)
            .userAgent("cocos-cli");
    if (tls != null) {
      builder.sslContext(tls).useTransportSecurity();
    } else {
      builder.usePlaintext();
    }
    return new GrpcConnection(config, eventLoop, builder.build());
  }

  private static SslContext sslContext(CliContext ctx, GrpcClientConfig config) {
    GrpcPeer peer = config.peer();
    SslProvider provider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    SslContextBuilder tls = GrpcSslContexts.configure(SslContextBuilder.forClient(), provider);
    if (config.serverCa() != null) {
      Path ca = Files2.readable(ctx, peer.serverCaVariable(), config.serverCa());
      try {
        tls.trustManager(ca.toFile());
      } catch (IllegalArgumentException e) {
        throw bad(peer.serverCaVariable(), config.serverCa(), e);
      }
    }
    if (config.clientCert() != null) {
      Path cert = Files2.readable(ctx, peer.clientCertVariable(), config.clientCert());
      Path key = Files2.readable(ctx, peer.clientKeyVariable(), config.clientKey());
      try {
        tls.keyManager(cert.toFile(), key.toFile());
      } catch (IllegalArgumentException e) {
        throw bad(
            peer.clientCertVariable() + "/" + peer.clientKeyVariable(),
            config.clientCert() + ", " + config.clientKey(),
            e);
      }
    }
    try {
      return tls.build();
    } catch (SSLException | RuntimeException e) {
      throw new CliException(
          ExitCode.LOCAL,
          "cannot set up TLS from "
              + peer.serverCaVariable()
              + "/"
              + peer.clientCertVariable()
              + "/"
              + peer.clientKeyVariable()
              + ": "
              + innermost(e));
    }
  }

  private static CliException bad(String what, String files, Exception e) {
    return new CliException(
        ExitCode.LOCAL, "cannot use " + what + " " + files + ": " + innermost(e));
  }

  private static String innermost(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() != null ? t.getMessage() : t.toString();
  }

  public GrpcClientConfig config() {
    return config;
  }

  /** "without TLS", "with TLS" or "with mTLS". */
  public String mode() {
    return config.mode();
  }

  /** The stub with the peer's *_TIMEOUT as the deadline of its next call (none when 0). */
  public <S extends AbstractStub<S>> S withTimeout(S stub) {
    return config.timeout().isZero()
        ? stub
        : stub.withDeadlineAfter(config.timeout().toNanos(), TimeUnit.NANOSECONDS);
  }

  /** For calls that set their own deadlines (streams, uploads). */
  public ManagedChannel channel() {
    return channel;
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(1, TimeUnit.SECONDS);
  }
}
