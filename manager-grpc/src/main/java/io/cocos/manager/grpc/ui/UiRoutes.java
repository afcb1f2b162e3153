package io.cocos.manager.grpc.ui;

import io.cocos.manager.core.console.ConsolePages;
import io.cocos.manager.core.console.ConsoleSource;
import io.cocos.manager.core.cvm.CvmLogContext;
import io.cocos.manager.core.cvm.ManagerException;
import io.cocos.manager.core.cvm.ManagerService;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's paths (see docs/ui.md): pages, the JSON API, the two event streams and the one
 * action. Runs on the endpoint's event loops, so it only answers what is quick (the manager's
 * in-memory state, the jar's files); removal runs on its own thread, console pages and streams are
 * read on the console's scheduler. Every client string is data: an id is looked up, never echoed
 * into markup.
 *
 * <p>No state of its own beyond what it is given (each part documents its locking).
 */
final class UiRoutes {
  private static final Logger log = LoggerFactory.getLogger(UiRoutes.class);
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  static final int PAGE_DEFAULT = 64 * 1024;
  static final int PAGE_MAX = 256 * 1024;

  /** What the routes need: the manager, the console's parts and its settings. */
  record Parts(
      ManagerService manager,
      ManagerService actions,
      boolean actionsOn,
      String version,
      String instanceId,
      CvmViews views,
      CvmFeed feed,
      HostSampler host,
      StreamLimits limits,
      UiSecurity security,
      StaticFiles files,
      ScheduledExecutorService scheduler,
      ExecutorService removals) {}

  private final Parts p;

  UiRoutes(Parts parts) {
    this.p = parts;
  }

  void handle(ChannelHandlerContext ctx, FullHttpRequest request, String path, Runnable keepOpen) {
    if (!request.decoderResult().isSuccess()) {
      UiHttp.error(ctx, HttpResponseStatus.BAD_REQUEST, "bad request");
      return;
    }
    if (!p.security().clientAllowed(ctx)) {
      UiHttp.error(ctx, HttpResponseStatus.FORBIDDEN, "a client certificate is required");
      return;
    }
    if (!p.security().hostAllowed(request)) {
      UiHttp.error(ctx, HttpResponseStatus.FORBIDDEN, "the Host header does not name this console");
      return;
    }
    if (path.equals("/ui")) {
      UiHttp.redirect(ctx, "/ui/");
      return;
    }
    if (path.startsWith("/ui/api/")) {
      try {
        api(ctx, request, path.substring("/ui/api/".length()), keepOpen);
      } catch (RuntimeException e) {
        log.warn("web console request {} failed: {}", path, e.toString());
        UiHttp.error(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error");
      }
      return;
    }
    boolean head = request.method().equals(HttpMethod.HEAD);
    if (!head && !request.method().equals(HttpMethod.GET)) {
      UiHttp.respond(
          ctx,
          HttpResponseStatus.METHOD_NOT_ALLOWED,
          "text/plain; charset=utf-8",
          "only GET and HEAD\n".getBytes(),
          false,
          false);
      return;
    }
    String name = path.substring("/ui/".length());
    Optional<StaticFiles.File> file = p.files().find(name.isEmpty() ? "index.html" : name);
    if (file.isEmpty()) {
      UiHttp.respond(
          ctx,
          HttpResponseStatus.NOT_FOUND,
          "text/plain; charset=utf-8",
          "not found\n".getBytes(),
          false,
          head);
      return;
    }
    UiHttp.respond(ctx, HttpResponseStatus.OK, file.get().type(), file.get().bytes(), false, head);
  }

  private void api(
      ChannelHandlerContext ctx, FullHttpRequest request, String rest, Runnable keepOpen) {
    List<String> parts = List.of(rest.split("/", -1));
    boolean get = request.method().equals(HttpMethod.GET);
    boolean post = request.method().equals(HttpMethod.POST);
    boolean remove =
        parts.size() == 3 && parts.get(0).equals("cvms") && parts.get(2).equals("remove");
    if (remove ? !post : !get) {
      UiHttp.error(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed");
      return;
    }
    QueryStringDecoder query = new QueryStringDecoder(request.uri());
    if (parts.size() == 1) {
      switch (parts.get(0)) {
        case "session" -> UiHttp.json(ctx, HttpResponseStatus.OK, session());
        case "cvms" -> UiHttp.json(ctx, HttpResponseStatus.OK, UiJson.bytes(p.views().table()));
        case "host" -> UiHttp.json(ctx, HttpResponseStatus.OK, UiJson.bytes(p.host().host()));
        case "feed" -> feed(ctx, keepOpen);
        default -> notFound(ctx);
      }
      return;
    }
    if (!parts.get(0).equals("cvms") || !ID.matcher(parts.get(1)).matches()) {
      notFound(ctx);
      return;
    }
    String id = parts.get(1);
    String what = String.join("/", parts.subList(2, parts.size()));
    switch (what) {
      case "" -> {
        if (parts.size() == 2) {
          detail(ctx, id);
        } else {
          notFound(ctx);
        }
      }
      case "console" -> consolePage(ctx, id, query);
      case "console/stream" -> consoleStream(ctx, id, query, keepOpen);
      case "remove" -> remove(ctx, request, id, keepOpen);
      default -> notFound(ctx);
    }
  }

  private byte[] session() {
    return UiJson.bytes(
        UiJson.MAPPER
            .createObjectNode()
            .put("actions", p.actionsOn())
            .put("csrf_token", p.security().csrfToken())
            .put("version", p.version())
            .put("instance_id", p.instanceId())
            .put("max_vms", p.views().maxVms()));
  }

  private void detail(ChannelHandlerContext ctx, String id) {
    var detail = p.views().detail(id);
    if (detail.isEmpty()) {
      notFound(ctx);
    } else {
      UiHttp.json(ctx, HttpResponseStatus.OK, UiJson.bytes(detail.get()));
    }
  }

  private void consolePage(ChannelHandlerContext ctx, String id, QueryStringDecoder query) {
    OptionalLong before;
    int max;
    try {
      String b = param(query, "before");
      before = b == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(b));
      String m = param(query, "max");
      max = m == null ? PAGE_DEFAULT : (int) Math.min(PAGE_MAX, Long.parseLong(m));
    } catch (NumberFormatException e) {
      UiHttp.error(ctx, HttpResponseStatus.BAD_REQUEST, "before and max are whole numbers");
      return;
    }
    if (max < 1) {
      UiHttp.error(ctx, HttpResponseStatus.BAD_REQUEST, "max must be at least 1");
      return;
    }
    ConsoleSource source = console(ctx, id);
    if (source == null) {
      return;
    }
    // read on the console's threads, as every console read: the event loops only route
    int pageMax = max;
    try {
      p.scheduler()
          .execute(
              () -> {
                try {
                  UiHttp.json(
                      ctx,
                      HttpResponseStatus.OK,
                      UiJson.bytes(UiJson.page(ConsolePages.read(source.log(), before, pageMax))));
                } catch (IOException | RuntimeException e) {
                  UiHttp.error(
                      ctx,
                      HttpResponseStatus.SERVICE_UNAVAILABLE,
                      "the console cannot be read now");
                }
              });
    } catch (RejectedExecutionException e) {
      UiHttp.error(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "the manager is stopping");
    }
  }

  private void consoleStream(
      ChannelHandlerContext ctx, String id, QueryStringDecoder query, Runnable keepOpen) {
    long from;
    try {
      String f = param(query, "from");
      from = f == null ? Long.MAX_VALUE : Long.parseLong(f);
    } catch (NumberFormatException e) {
      UiHttp.error(ctx, HttpResponseStatus.BAD_REQUEST, "from is a whole number");
      return;
    }
    ConsoleSource source = console(ctx, id);
    if (source == null) {
      return;
    }
    SseChannel stream = openStream(ctx, keepOpen);
    if (stream == null) {
      return;
    }
    try {
      ConsoleStream.start(source, from, stream, p.scheduler());
    } catch (IOException e) {
      stream.close();
    }
  }

  private void feed(ChannelHandlerContext ctx, Runnable keepOpen) {
    SseChannel stream = openStream(ctx, keepOpen);
    if (stream != null) {
      p.feed().open(stream);
    }
  }

  private void remove(
      ChannelHandlerContext ctx, FullHttpRequest request, String id, Runnable keepOpen) {
    if (!p.actionsOn()) {
      UiHttp.error(ctx, HttpResponseStatus.FORBIDDEN, "actions are off (MANAGER_HTTP_UI_ACTIONS)");
      return;
    }
    String refusal = p.security().refusal(request);
    if (refusal != null) {
      UiHttp.error(ctx, HttpResponseStatus.FORBIDDEN, refusal);
      return;
    }
    if (p.views().find(id).isEmpty()) {
      notFound(ctx);
      return;
    }
    keepOpen.run(); // a removal may take the QEMU stop timeouts; the answer closes the connection
    try {
      p.removals().execute(() -> removeNow(ctx, id));
    } catch (RejectedExecutionException e) {
      UiHttp.error(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "too many removals at once");
    }
  }

  private void removeNow(ChannelHandlerContext ctx, String id) {
    try (var c = CvmLogContext.of(id)) {
      log.info("web console: removing CVM {}", id);
      p.actions().removeVm(id);
      UiHttp.noContent(ctx);
    } catch (ManagerException e) {
      UiHttp.error(
          ctx,
          e.reason() == ManagerException.Reason.NOT_FOUND
              ? HttpResponseStatus.NOT_FOUND
              : HttpResponseStatus.CONFLICT,
          e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      UiHttp.error(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "the manager is stopping");
    }
  }

  /** The CVM's console, or null after answering 404. */
  private ConsoleSource console(ChannelHandlerContext ctx, String id) {
    try {
      return p.manager().console(id);
    } catch (ManagerException e) {
      notFound(ctx);
      return null;
    }
  }

  /** An event stream within the caps, or null after answering 429. */
  private SseChannel openStream(ChannelHandlerContext ctx, Runnable keepOpen) {
    var client = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
    if (!p.limits().acquire(client)) {
      UiHttp.error(ctx, HttpResponseStatus.TOO_MANY_REQUESTS, "too many live streams open");
      return null;
    }
    keepOpen.run();
    ctx.channel().closeFuture().addListener(f -> p.limits().release(client));
    ctx.writeAndFlush(UiHttp.eventStreamHead());
    return new SseChannel(ctx.channel());
  }

  private static String param(QueryStringDecoder query, String name) {
    List<String> values = query.parameters().get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  private static void notFound(ChannelHandlerContext ctx) {
    UiHttp.error(ctx, HttpResponseStatus.NOT_FOUND, "not found");
  }
}
