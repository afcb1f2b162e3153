package io.cocos.manager.grpc.ui;

import io.cocos.manager.grpc.server.ServerConfig;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Who may use the console and change things through it. Reading needs a verified client certificate
 * when MANAGER_HTTP_CLIENT_CA_CERTS is set (the handshake leaves it optional, so /metrics and
 * /health work without one). Changing (POST) needs actions on, the per-process CSRF token in {@link
 * #CSRF_HEADER} (a page of another origin cannot read it, so cannot send it), and, when the browser
 * says where the request comes from (Origin), this very origin. On a loopback address the Host
 * header must name a loopback address too ({@link #hostAllowed}).
 *
 * <p>The token is never logged. Immutable after construction; thread-safe.
 */
final class UiSecurity {
  static final String CSRF_HEADER = "X-Cocos-Csrf";

  private final boolean clientCertificates;
  private final boolean tls;
  private final boolean loopbackOnly;
  private final String csrfToken;
  private final byte[] csrfBytes;

  UiSecurity(boolean tls, boolean clientCertificates, boolean loopbackOnly) {
    this.tls = tls;
    this.loopbackOnly = loopbackOnly;
    this.clientCertificates = clientCertificates;
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    this.csrfToken = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    this.csrfBytes = csrfToken.getBytes(StandardCharsets.US_ASCII);
  }

  String csrfToken() {
    return csrfToken;
  }

  /** Whether the connection may see the console: a verified client certificate if one is asked. */
  boolean clientAllowed(ChannelHandlerContext ctx) {
    if (!clientCertificates) {
      return true;
    }
    SslHandler ssl = ctx.pipeline().get(SslHandler.class);
    if (ssl == null) {
      return false;
    }
    try {
      // the handshake verified any certificate presented against the CA; here: was one presented
      return ssl.engine().getSession().getPeerCertificates().length > 0;
    } catch (SSLPeerUnverifiedException e) {
      return false;
    }
  }

  /**
   * Whether the request names this manager as a loopback console is reached: on a loopback address,
   * only {@code Host: localhost}, 127.0.0.0/8 or [::1] (any port). A page of another site whose
   * name was made to resolve to 127.0.0.1 (DNS rebinding) would otherwise count as this origin and
   * could read the CSRF token; its requests carry its own name.
   */
  boolean hostAllowed(FullHttpRequest request) {
    if (!loopbackOnly) {
      return true; // exposed consoles need client certificates, which such a page cannot present
    }
    String host = request.headers().get(HttpHeaderNames.HOST);
    if (host == null) {
      return false;
    }
    String name;
    if (host.startsWith("[")) {
      int close = host.indexOf(']');
      name = close < 0 ? host : host.substring(0, close + 1);
    } else {
      int colon = host.indexOf(':');
      name = colon < 0 ? host : host.substring(0, colon);
    }
    return ServerConfig.isLoopback(name);
  }

  /** Why a state-changing request is refused, or null when it carries the token and our origin. */
  String refusal(FullHttpRequest request) {
    String token = request.headers().get(CSRF_HEADER);
    if (token == null
        || !MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), csrfBytes)) {
      return "missing or wrong " + CSRF_HEADER + " header";
    }
    String origin = request.headers().get(HttpHeaderNames.ORIGIN);
    if (origin != null) {
      String host = request.headers().get(HttpHeaderNames.HOST);
      String own = (tls ? "https://" : "http://") + host;
      if (host == null || !origin.equalsIgnoreCase(own)) {
        return "the request's Origin is not this console's";
      }
    }
    return null;
  }
}
