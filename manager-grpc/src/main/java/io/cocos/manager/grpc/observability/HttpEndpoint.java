package io.cocos.manager.grpc.observability;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * MANAGER_HTTP_HOST:MANAGER_HTTP_PORT: Prometheus text exposition at /metrics; /health/live
 * (the process answers), /health/ready and /health (the gRPC server serves and restore has
 * finished; 503 until then), with the details as a small JSON object.
 */
public final class HttpEndpoint implements AutoCloseable {
  /** The manager's readiness and the details /health shows. */
  public record Health(boolean ready, Map<String, String> details) {}

  private final HttpServer server;
  private final ExecutorService executor;

  private HttpEndpoint(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  public static HttpEndpoint start(String host, int port, Telemetry telemetry, Supplier<Health> health)
      throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 16);
    PrometheusTextFormatWriter text = PrometheusTextFormatWriter.create();
    server.createContext("/metrics", exchange -> {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      text.write(body, telemetry.scrape());
      respond(exchange, 200, text.getContentType(), body.toByteArray());
    });
    server.createContext("/health/live", exchange ->
        respond(exchange, 200, "application/json", "{\"status\":\"alive\"}".getBytes(StandardCharsets.UTF_8)));
    server.createContext("/health", exchange -> {
      Health h = health.get();
      StringBuilder json = new StringBuilder("{\"status\":\"").append(h.ready() ? "ready" : "starting").append('"');
      h.details().forEach((k, v) -> json.append(",\"").append(k).append("\":\"").append(v).append('"'));
      respond(exchange, h.ready() ? 200 : 503, "application/json",
          json.append('}').toString().getBytes(StandardCharsets.UTF_8));
    });
    ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "http-endpoint");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.start();
    return new HttpEndpoint(server, executor);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void respond(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
