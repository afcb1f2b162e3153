package io.cocos.manager.grpc.ui;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * One server-sent-events connection. Writes only while Netty says the connection is writable (its
 * queue is under {@link io.cocos.manager.grpc.observability.HttpEndpoint#WRITE_HIGH_WATER}), so a
 * client that does not read costs at most that much memory: a feed closes instead of queueing
 * ({@link #sendOrClose}; the browser reconnects and gets a fresh snapshot), a console waits for
 * {@link #whenWritable}. A {@code : ping} comment every {@link #PING_SECONDS} finds dead peers; a
 * connection that stayed unwritable for two pings in a row is closed.
 *
 * <p>Thread-safety: the send methods may be called from any thread (Netty queues writes made off
 * the event loop to it, in order per calling thread); the ping runs on the event loop, and its
 * counter is touched only there.
 */
final class SseChannel {
  static final long PING_SECONDS = 15;

  /** {@link #PING_SECONDS} in milliseconds; tests of this package shorten it. */
  static volatile long pingMillis = PING_SECONDS * 1000;

  private static final byte[] PING = ": ping\n\n".getBytes(StandardCharsets.US_ASCII);

  private final Channel channel;
  private int unwritablePings;

  SseChannel(Channel channel) {
    this.channel = channel;
    ScheduledFuture<?> ping =
        channel
            .eventLoop()
            .scheduleAtFixedRate(this::ping, pingMillis, pingMillis, TimeUnit.MILLISECONDS);
    channel.closeFuture().addListener(f -> ping.cancel(false));
  }

  Channel channel() {
    return channel;
  }

  boolean isOpen() {
    return channel.isActive();
  }

  /** Sends one event when the connection can take it; false (nothing sent) when it cannot. */
  boolean send(String event, byte[] json) {
    if (!channel.isActive() || !channel.isWritable()) {
      return false;
    }
    channel.writeAndFlush(new DefaultHttpContent(frame(event, json)));
    return true;
  }

  /**
   * Sends one event whether or not the connection is writable (unless it is closed): for what must
   * follow something already sent; the caller writes only a bounded amount this way.
   */
  void write(String event, byte[] json) {
    if (channel.isActive()) {
      channel.writeAndFlush(new DefaultHttpContent(frame(event, json)));
    }
  }

  /** Sends one event, or closes the connection when it cannot take it now. */
  void sendOrClose(String event, byte[] json) {
    if (!send(event, json)) {
      close();
    }
  }

  /** Ends the body and closes the connection once what was sent is out. */
  void end() {
    channel
        .writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
        .addListener(ChannelFutureListener.CLOSE);
  }

  void close() {
    channel.close();
  }

  void onClose(Runnable action) {
    channel.closeFuture().addListener(f -> action.run());
  }

  /** Runs {@code action} (on the event loop) each time the connection becomes writable again. */
  void whenWritable(Runnable action) {
    channel
        .pipeline()
        .addLast(
            new ChannelInboundHandlerAdapter() {
              @Override
              public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
                if (ctx.channel().isWritable()) {
                  action.run();
                }
                super.channelWritabilityChanged(ctx);
              }
            });
  }

  private void ping() {
    if (channel.isWritable()) {
      unwritablePings = 0;
      channel.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(PING)));
    } else if (++unwritablePings >= 2) {
      close(); // nothing was read for a whole ping interval: the peer is gone or stuck
    }
  }

  private static ByteBuf frame(String event, byte[] json) {
    // Jackson writes one line (newlines inside strings are escaped), as a data: field needs
    byte[] head = ("event: " + event + "\ndata: ").getBytes(StandardCharsets.US_ASCII);
    byte[] tail = {'\n', '\n'};
    return Unpooled.wrappedBuffer(head, json, tail);
  }
}
