package io.cocos.manager.grpc.ui;

import io.cocos.manager.core.concurrent.DaemonThreads;
import io.cocos.manager.core.cvm.LifecycleManager;
import io.cocos.manager.core.cvm.ManagerService;
import io.cocos.manager.grpc.observability.HttpEndpoint;
import io.cocos.manager.grpc.observability.Telemetry;
import io.cocos.manager.grpc.server.ServerConfig;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import java.time.Clock;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The web console (MANAGER_HTTP_UI=true), assembled: made after the lifecycle and before restore
 * (so the event history sees the restored CVMs' events), mounted on the HTTP endpoint at /ui. Owns
 * its threads: the feed's one ({@link CvmFeed}), a two-thread scheduler for console reads and host
 * samples, one for removals. Nothing of this package is loaded when the console is off.
 */
public final class UiServer implements HttpEndpoint.Ui, AutoCloseable {
  /** Removals waiting beyond the one running are refused (503) rather than queued without end. */
  private static final int REMOVALS_QUEUED = 16;

  private final UiRoutes routes;
  private final CvmFeed feed;
  private final StreamLimits limits;
  private final ScheduledExecutorService scheduler;
  private final ThreadPoolExecutor removals;

  private UiServer(
      UiRoutes routes,
      CvmFeed feed,
      StreamLimits limits,
      ScheduledExecutorService scheduler,
      ThreadPoolExecutor removals) {
    this.routes = routes;
    this.feed = feed;
    this.limits = limits;
    this.scheduler = scheduler;
    this.removals = removals;
  }

  /**
   * Starts the console's threads and its subscription to the lifecycle's events. Typed as the
   * endpoint's interface so that the caller's class does not name (and load) this one until it
   * runs.
   *
   * @param actions what removals go through (the logged, measured service)
   */
  public static HttpEndpoint.Ui start(
      ServerConfig config,
      LifecycleManager lifecycle,
      ManagerService actions,
      Telemetry telemetry,
      String version) {
    Clock clock = Clock.systemUTC();
    EventHistory history = new EventHistory(clock);
    CvmViews views = new CvmViews(lifecycle, history, clock);
    CvmFeed feed = new CvmFeed(lifecycle, views, history);
    ScheduledExecutorService scheduler =
        Executors.newScheduledThreadPool(2, DaemonThreads.numbered("ui-console"));
    ThreadPoolExecutor removals =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(REMOVALS_QUEUED),
            DaemonThreads.named("ui-remove"));
    HostSampler host = new HostSampler(telemetry, lifecycle, clock, feed::host);
    scheduler.scheduleAtFixedRate(
        () -> {
          try {
            host.sample();
          } catch (RuntimeException e) {
            // a failed scrape leaves a gap in the charts; the next one tries again
          }
        },
        0,
        HostSampler.INTERVAL_SECONDS,
        TimeUnit.SECONDS);
    StreamLimits limits = new StreamLimits(config.httpUiMaxStreams());
    UiRoutes routes =
        new UiRoutes(
            new UiRoutes.Parts(
                lifecycle,
                actions,
                config.httpUiActions(),
                version,
                config.instanceId(),
                views,
                feed,
                host,
                limits,
                new UiSecurity(
                    config.httpServerCert().isPresent(),
                    config.httpClientCaCerts().isPresent(),
                    ServerConfig.isLoopback(config.httpHost())),
                new StaticFiles(UiServer.class.getClassLoader()),
                scheduler,
                removals));
    return new UiServer(routes, feed, limits, scheduler, removals);
  }

  @Override
  public void handle(
      ChannelHandlerContext ctx, FullHttpRequest request, String path, Runnable keepOpen) {
    routes.handle(ctx, request, path, keepOpen);
  }

  /** Live streams open now (feeds and consoles). */
  public int openStreams() {
    return limits.open();
  }

  /** Feeds open now. */
  public int openFeeds() {
    return feed.open();
  }

  @Override
  public void close() {
    feed.close();
    scheduler.shutdownNow();
    removals.shutdownNow();
  }
}
