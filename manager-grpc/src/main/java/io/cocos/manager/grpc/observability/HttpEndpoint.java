package io.cocos.manager.grpc.observability;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 *
 * <p>/health's object starts with upstream's fields (its health package: status, version, commit,
 * description, build_time, instance_id; status "pass", "fail" while starting) and its media type
 * application/health+json, so upstream's probes read it; then ours: readiness and the details.
 */
public final class HttpEndpoint implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String HEALTH_JSON = "application/health+json";

  /** The manager's readiness, identity and the details /health shows. */
  public record Health(boolean ready, String instanceId, BuildInfo build, Map<String, String> details) {}

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
      respond(exchange, h.ready() ? 200 : 503, HEALTH_JSON, healthJson(h));
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

  static byte[] healthJson(Health h) throws IOException {
    ObjectNode json = JSON.createObjectNode()
        .put("status", h.ready() ? "pass" : "fail")
        .put("version", h.build().version())
        .put("commit", h.build().commit())
        .put("description", Telemetry.SERVICE_NAME + " service")
        .put("build_time", h.build().buildTime())
        .put("instance_id", h.instanceId())
        .put("readiness", h.ready() ? "ready" : "starting");
    h.details().forEach(json::put);
    return JSON.writeValueAsBytes(json);
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
