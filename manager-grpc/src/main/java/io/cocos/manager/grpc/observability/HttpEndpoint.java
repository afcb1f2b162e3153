package io.cocos.manager.grpc.observability;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * MANAGER_HTTP_HOST:MANAGER_HTTP_PORT: Prometheus text exposition at /metrics; /health/live (the
 * process answers), /health/ready and /health (the gRPC server serves and restore has finished; 503
 * until then), with the details as a small JSON object. HTTPS when MANAGER_HTTP_SERVER_CERT and
 * MANAGER_HTTP_SERVER_KEY are set.
 *
 * <p>/health's object starts with upstream's fields (its health package: status, version, commit,
 * description, build_time, instance_id; status "pass", "fail" while starting) and its media type
 * application/health+json, so upstream's probes read it; then ours: readiness and the details.
 *
 * <p>Served by Netty (already in the manager for gRPC) rather than the JDK's HttpServer, whose
 * worker threads each wait on one client's request: two clients that never finish their headers
 * took both workers and made liveness probes fail. Here no thread ever waits for a client, so:
 *
 * <ul>
 *   <li>a connection must deliver one whole request within the request timeout
 *       (MANAGER_HTTP_REQUEST_TIMEOUT, TLS handshake included) or it is closed, and every answer
 *       closes its connection (probes and scrapes need no keep-alive), so idle connections cost
 *       nothing for longer than that;
 *   <li>at most {@link #MAX_CONNECTIONS} connections are open at once (more are closed at once);
 *   <li>request lines, headers and bodies are bounded by the HTTP codec (4 KiB, 8 KiB, 64 KiB).
 * </ul>
 *
 * A probe therefore answers as long as fewer than {@link #MAX_CONNECTIONS} clients are connected,
 * and any slow client is gone within the request timeout.
 */
public final class HttpEndpoint implements AutoCloseable {
  /**
   * Made at the first /health request, not at start-up: an ObjectMapper's set-up (its date format's
   * calendar and locale data) is ≈ 20 ms.
   */
  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }

  private static final String HEALTH_JSON = "application/health+json";

  /** The manager's readiness, identity and the details /health shows. */
  public record Health(
      boolean ready, String instanceId, BuildInfo build, Map<String, String> details) {}

  /**
   * TLS for the endpoint: the certificate chain and key files, checked at start-up; with a client
   * CA, clients may present a certificate (optional at the handshake, so probes and scrapes work
   * without one; /ui asks for it).
   */
  public record Tls(Path certFile, Path keyFile, Optional<Path> clientCa) {
    public Tls(Path certFile, Path keyFile) {
      this(certFile, keyFile, Optional.empty());
    }
  }

  /**
   * What serves /ui and /ui/... when the web console is on (MANAGER_HTTP_UI); absent, those paths
   * are 404 like any other. An interface here so that no class of the console is loaded when it is
   * off. Closed with the endpoint.
   */
  public interface Ui extends AutoCloseable {
    /**
     * Answers one request for /ui or below. {@code keepOpen} cancels the connection's request
     * deadline, for an answer that streams (it then closes the connection itself when done).
     */
    void handle(ChannelHandlerContext ctx, FullHttpRequest request, String path, Runnable keepOpen);

    @Override
    void close();
  }

  /**
   * Writes past this many bytes queued make a connection unwritable; a stream stops writing (or
   * closes) until it drains, so a slow client holds at most about this much of the manager's
   * memory.
   */
  public static final int WRITE_HIGH_WATER = 256 * 1024;

  private static final int WRITE_LOW_WATER = 64 * 1024;

  static final int MAX_CONNECTIONS = 128;
  private static final int MAX_INITIAL_LINE = 4096;
  private static final int MAX_HEADERS = 8192;
  private static final int MAX_BODY = 64 * 1024;

  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Channel listener;

  private final Routes routes;

  private HttpEndpoint(
      EventLoopGroup boss, EventLoopGroup workers, Channel listener, Routes routes) {
    this.boss = boss;
    this.workers = workers;
    this.listener = listener;
    this.routes = routes;
  }

  /**
   * Serves /ui and /ui/... from now on (404 until then, as when the console is off): mounted once
   * the lifecycle it shows exists, while the endpoint itself starts earlier.
   */
  public void mountUi(Ui ui) {
    routes.ui = ui;
  }

  /** What serves /ui, or null when the web console is off. */
  public Ui ui() {
    return routes.ui;
  }

  public static HttpEndpoint start(
      String host,
      int port,
      Optional<Tls> tls,
      Duration requestTimeout,
      Telemetry telemetry,
      Supplier<Health> health)
      throws IOException {
    SslContext ssl = null;
    if (tls.isPresent()) {
      try {
        SslContextBuilder builder =
            SslContextBuilder.forServer(
                tls.get().certFile().toFile(), tls.get().keyFile().toFile());
        if (tls.get().clientCa().isPresent()) {
          builder.trustManager(tls.get().clientCa().get().toFile()).clientAuth(ClientAuth.OPTIONAL);
        }
        ssl = builder.build();
      } catch (SSLException | IllegalArgumentException e) {
        throw new IOException("TLS set-up failed: " + e.getMessage(), e);
      }
    }
    EventLoopGroup boss = new NioEventLoopGroup(1, new DefaultThreadFactory("http-accept", true));
    EventLoopGroup workers =
        new NioEventLoopGroup(2, new DefaultThreadFactory("http-endpoint", true));
    ConnectionLimit limit = new ConnectionLimit();
    Routes routes = new Routes(telemetry, health);
    SslContext sslContext = ssl;
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(boss, workers)
            // A constructor reference, not .channel(Class): Netty would make the channel by
            // reflection, which on JDK 18+ spins a method handle class at start-up (≈ 1.5 ms).
            .channelFactory((ChannelFactory<ServerChannel>) NioServerSocketChannel::new)
            .option(ChannelOption.SO_BACKLOG, 64)
            .childOption(
                ChannelOption.WRITE_BUFFER_WATER_MARK,
                new WriteBufferWaterMark(WRITE_LOW_WATER, WRITE_HIGH_WATER))
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(limit, new RequestDeadline(requestTimeout));
                    if (sslContext != null) {
                      SslHandler handler = sslContext.newHandler(ch.alloc());
                      handler.setHandshakeTimeoutMillis(requestTimeout.toMillis());
                      ch.pipeline().addLast(handler);
                    }
                    ch.pipeline()
                        .addLast(
                            new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADERS, 8192),
                            new HttpObjectAggregator(MAX_BODY),
                            routes);
                  }
                });
    try {
      Channel listener = bootstrap.bind(new InetSocketAddress(host, port)).sync().channel();
      return new HttpEndpoint(boss, workers, listener, routes);
    } catch (Exception e) {
      // Netty rethrows the bind's own exception (address in use), checked or not, from sync()
      shutdown(boss, workers);
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
    }
  }

  public int port() {
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  @Override
  public void close() {
    Ui ui = routes.ui;
    if (ui != null) {
      ui.close();
    }
    listener.close().syncUninterruptibly();
    shutdown(boss, workers);
  }

  static byte[] healthJson(Health h) throws IOException {
    ObjectNode json =
        Json.MAPPER
            .createObjectNode()
            .put("status", h.ready() ? "pass" : "fail")
            .put("version", h.build().version())
            .put("commit", h.build().commit())
            .put("description", Telemetry.SERVICE_NAME + " service")
            .put("build_time", h.build().buildTime())
            .put("instance_id", h.instanceId())
            .put("readiness", h.ready() ? "ready" : "starting");
    h.details().forEach(json::put);
    return Json.MAPPER.writeValueAsBytes(json);
  }

  private static void shutdown(EventLoopGroup boss, EventLoopGroup workers) {
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** The endpoint's paths; answers one request per connection and closes it. */
  @ChannelHandler.Sharable
  private static final class Routes extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final Telemetry telemetry;
    private final Supplier<Health> health;
    private final PrometheusTextFormatWriter text = PrometheusTextFormatWriter.create();

    /** Set once, by {@link #mountUi}; volatile as the event loops read it. */
    private volatile Ui ui;

    Routes(Telemetry telemetry, Supplier<Health> health) {
      this.telemetry = telemetry;
      this.health = health;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request)
        throws IOException {
      if (!request.decoderResult().isSuccess()) {
        respond(ctx, HttpResponseStatus.BAD_REQUEST, "text/plain", "bad request\n");
        return;
      }
      String uri = request.uri();
      int query = uri.indexOf('?');
      String path = query < 0 ? uri : uri.substring(0, query);
      Ui mounted = ui;
      if (mounted != null && (path.equals("/ui") || path.startsWith("/ui/"))) {
        mounted.handle(
            ctx,
            request,
            path,
            () -> {
              RequestDeadline deadline = ctx.pipeline().get(RequestDeadline.class);
              if (deadline != null) {
                deadline.cancel();
              }
            });
        return;
      }
      if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
        respond(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain", "only GET and HEAD\n");
        return;
      }
      switch (path) {
        case "/metrics" -> {
          ByteArrayOutputStream body = new ByteArrayOutputStream();
          text.write(body, telemetry.scrape());
          respond(ctx, HttpResponseStatus.OK, text.getContentType(), body.toByteArray());
        }
        case "/health/live" ->
            respond(ctx, HttpResponseStatus.OK, "application/json", "{\"status\":\"alive\"}");
        case "/health", "/health/ready" -> {
          Health h = health.get();
          respond(
              ctx,
              h.ready() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
              HEALTH_JSON,
              healthJson(h));
        }
        default -> respond(ctx, HttpResponseStatus.NOT_FOUND, "text/plain", "not found\n");
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close(); // a reset or a TLS failure: nothing to answer
    }

    private static void respond(
        ChannelHandlerContext ctx, HttpResponseStatus status, String type, String body) {
      respond(ctx, status, type, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void respond(
        ChannelHandlerContext ctx, HttpResponseStatus status, String type, byte[] body) {
      FullHttpResponse response =
          new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
      response
          .headers()
          .set(HttpHeaderNames.CONTENT_TYPE, type)
          .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
          .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
