package io.cocos.manager.grpc.cms;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.ChannelOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The channel of one attempt to reach the CMS: plaintext or TLS as configured, with keepalive and
 * connect timeouts of its own. Each attempt gets a new one, closed with its stream: a reused
 * channel would apply its own reconnect backoff (up to two minutes) on top of the link's.
 */
final class CmsChannels {
  /** HTTP/2 pings on a quiet connection, so a CMS that vanished is noticed within ~15 s. */
  static final Duration KEEPALIVE_TIME = Duration.ofSeconds(10);

  static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(5);

  /** TCP connect, then TLS and HTTP/2 set-up, must each finish within this. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private CmsChannels() {}

  /** A new channel to MANAGER_CMS_URL. */
  static ManagedChannel open(CmsLinkConfig config, ManagerDescription self) {
    NettyChannelBuilder channel =
        NettyChannelBuilder.forTarget(config.cmsUrl().orElseThrow())
            .keepAliveTime(KEEPALIVE_TIME.toMillis(), TimeUnit.MILLISECONDS)
            .keepAliveTimeout(KEEPALIVE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
            .keepAliveWithoutCalls(true)
            .withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CONNECT_TIMEOUT.toMillis())
            .userAgent("cocos-manager/" + self.version());
    config.tls().ifPresentOrElse(channel::sslContext, channel::usePlaintext);
    return channel.build();
  }
}
