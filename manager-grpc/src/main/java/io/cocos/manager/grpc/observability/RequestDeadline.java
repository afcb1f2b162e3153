package io.cocos.manager.grpc.observability;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closes the connection when the timeout has passed since it opened: a whole request must have
 * arrived and been answered by then (an answer closes the connection itself, well before). A stream
 * that has its request cancels it ({@link #cancel}) and keeps the connection open.
 */
final class RequestDeadline extends ChannelInboundHandlerAdapter {
  private final Duration timeout;
  private ScheduledFuture<?> deadline;

  RequestDeadline(Duration timeout) {
    this.timeout = timeout;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    deadline =
        ctx.executor().schedule(() -> ctx.close(), timeout.toMillis(), TimeUnit.MILLISECONDS);
    super.channelActive(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    cancel();
    super.channelInactive(ctx);
  }

  /** On the channel's event loop, as every handler method. */
  void cancel() {
    if (deadline != null) {
      deadline.cancel(false);
    }
  }
}
