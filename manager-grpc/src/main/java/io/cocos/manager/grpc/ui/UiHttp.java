package io.cocos.manager.grpc.ui;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * The web console's answers, each with the security headers every /ui response carries (the
 * contract's Content-Security-Policy and friends; no-store on the API). Answers close their
 * connection, as the rest of the endpoint's do; streams keep theirs.
 */
final class UiHttp {
  static final String CSP =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
          + "frame-ancestors 'none'";
  static final String JSON = "application/json; charset=utf-8";

  private UiHttp() {}

  static void securityHeaders(HttpHeaders headers, boolean api) {
    headers
        .set("Content-Security-Policy", CSP)
        .set("X-Content-Type-Options", "nosniff")
        .set("X-Frame-Options", "DENY")
        .set("Referrer-Policy", "no-referrer");
    if (api) {
      headers.set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    }
  }

  /** A whole answer; {@code head}: the headers only (a HEAD request). */
  static void respond(
      ChannelHandlerContext ctx,
      HttpResponseStatus status,
      String type,
      byte[] body,
      boolean api,
      boolean head) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            status,
            head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
    securityHeaders(response.headers(), api);
    if (type != null) {
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
    }
    response
        .headers()
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }

  static void json(ChannelHandlerContext ctx, HttpResponseStatus status, byte[] body) {
    respond(ctx, status, JSON, body, true, false);
  }

  static void error(ChannelHandlerContext ctx, HttpResponseStatus status, String message) {
    json(ctx, status, UiJson.error(message));
  }

  static void noContent(ChannelHandlerContext ctx) {
    respond(ctx, HttpResponseStatus.NO_CONTENT, null, new byte[0], true, false);
  }

  static void redirect(ChannelHandlerContext ctx, String location) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.MOVED_PERMANENTLY, Unpooled.EMPTY_BUFFER);
    securityHeaders(response.headers(), false);
    response
        .headers()
        .set(HttpHeaderNames.LOCATION, location)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, 0)
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * The head of an event stream: never cached; its body ends when the server closes the connection
   * (no length, no chunking: the simplest framing every EventSource reads).
   */
  static HttpResponse eventStreamHead() {
    HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    securityHeaders(response.headers(), true);
    response
        .headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
        .set("X-Accel-Buffering", "no");
    return response;
  }
}
