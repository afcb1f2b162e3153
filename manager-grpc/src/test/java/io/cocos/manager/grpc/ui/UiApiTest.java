package io.cocos.manager.grpc.ui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cocos.manager.api.CreateReq;
import io.cocos.manager.api.ManagerServiceGrpc;
import io.cocos.manager.core.config.Env;
import io.cocos.manager.core.cvm.CreateRequest;
import io.cocos.manager.core.testing.ManagerEnvironments;
import io.cocos.manager.grpc.ManagerDaemon;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console's HTTP API against a manager with a fake QEMU, over real sockets: pages and their
 * headers, the JSON API, console pages and streams, the feed, the stream caps and removal.
 */
class UiApiTest {
  @TempDir Path tmp;
  final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  /** The in-process gRPC server of the last daemon started. */
  String serverName;

  ManagerDaemon start(Map<String, String> env) throws Exception {
    String name = InProcessServerBuilder.generateName();
    serverName = name;
    ManagerDaemon daemon =
        ManagerDaemon.start(new Env(env), config -> InProcessServerBuilder.forName(name));
    toClose.add(
        () -> {
          for (var r : daemon.lifecycle().listVms()) {
            daemon.lifecycle().removeVm(r.id());
          }
          daemon.close();
        });
    return daemon;
  }

  Map<String, String> uiEnv() throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    env.put("MANAGER_HTTP_UI", "true");
    return env;
  }

  static String create(ManagerDaemon daemon) throws Exception {
    return daemon
        .lifecycle()
        .createVm(new CreateRequest("info", null, null, null, "10.0.2.2:7001", "", "1h"))
        .id();
  }

  Path console(String id) {
    return tmp.resolve("state/cvms").resolve(id).resolve("console.log");
  }

  RawHttp.Stream stream(int port, String path) throws Exception {
    RawHttp.Stream s = new RawHttp.Stream(port, path);
    toClose.add(s);
    return s;
  }

  static UiServer ui(ManagerDaemon daemon) {
    return (UiServer) daemon.httpUi();
  }

  @Test
  void offByDefaultEveryUiPathIs404() throws Exception {
    ManagerDaemon daemon = start(ManagerEnvironments.fakeQemuEnv(tmp));
    int port = daemon.httpPort();
    for (String path :
        List.of("/ui", "/ui/", "/ui/api/session", "/ui/api/cvms", "/ui/index.html")) {
      assertThat(RawHttp.get(port, path).status()).as(path).isEqualTo(404);
    }
    assertThat(daemon.httpUi()).isNull();
    assertThat(RawHttp.get(port, "/metrics").status()).isEqualTo(200);
  }

  @Test
  void pagesAndApiCarryTheSecurityHeaders() throws Exception {
    int port = start(uiEnv()).httpPort();
    RawHttp.Response redirect = RawHttp.get(port, "/ui");
    assertThat(redirect.status()).isEqualTo(301);
    assertThat(redirect.header("Location")).isEqualTo("/ui/");
    RawHttp.Response page = RawHttp.get(port, "/ui/ui-server-probe.html");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.header("Content-Type")).startsWith("text/html");
    assertThat(page.text()).contains("probe");
    RawHttp.Response session = RawHttp.get(port, "/ui/api/session");
    assertThat(session.status()).isEqualTo(200);
    for (RawHttp.Response r :
        List.of(redirect, page, session, RawHttp.get(port, "/ui/nothing.js"))) {
      assertThat(r.header("Content-Security-Policy")).isEqualTo(UiHttp.CSP);
      assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
      assertThat(r.header("X-Frame-Options")).isEqualTo("DENY");
      assertThat(r.header("Referrer-Policy")).isEqualTo("no-referrer");
    }
    assertThat(session.header("Cache-Control")).isEqualTo("no-store");
    JsonNode json = session.json();
    assertThat(json.get("actions").asBoolean()).isFalse();
    assertThat(json.get("csrf_token").asText()).matches("[A-Za-z0-9_-]{43}");
    assertThat(json.get("max_vms").asInt()).isPositive();
    assertThat(json.has("version")).isTrue();
    assertThat(json.has("instance_id")).isTrue();
  }

  @Test
  void noFileOutsideTheConsolesOwnCanBeNamed() throws Exception {
    int port = start(uiEnv()).httpPort();
    for (String path :
        List.of(
            "/ui/../metrics",
            "/ui/..%2fmetrics",
            "/ui/%2e%2e/%2e%2e/etc/passwd",
            "/ui/%2e%2e%2fui-server-probe.html",
            "/ui/ui-server-probe.txt",
            "/ui/.ui-server-probe.html",
            "/ui/a/../ui-server-probe.html",
            "/ui//ui-server-probe.html",
            "/ui/io/cocos/manager/grpc/ui/UiServer.class",
            "/ui/UiServer.class",
            "/ui/logback-test.xml")) {
      assertThat(RawHttp.get(port, path).status()).as(path).isEqualTo(404);
    }
    assertThat(RawHttp.request(port, "POST", "/ui/ui-server-probe.html").status()).isEqualTo(405);
  }

  @Test
  void aLoopbackConsoleAnswersOnlyToLoopbackNames() throws Exception {
    int port = start(uiEnv()).httpPort();
    // what a page of another site reaches after DNS rebinding: this socket, under the site's name
    for (String host : List.of("evil.example:" + port, "evil.example", "10.0.0.1:" + port)) {
      try (Socket socket = new Socket("127.0.0.1", port)) {
        socket
            .getOutputStream()
            .write(
                ("GET /ui/api/session HTTP/1.1\r\nHost: " + host + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
        assertThat(RawHttp.readHead(socket.getInputStream()).status()).as(host).isEqualTo(403);
      }
    }
    for (String host : List.of("localhost:" + port, "127.0.0.1", "[::1]:" + port)) {
      try (Socket socket = new Socket("127.0.0.1", port)) {
        socket
            .getOutputStream()
            .write(
                ("GET /ui/api/session HTTP/1.1\r\nHost: " + host + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
        assertThat(RawHttp.readHead(socket.getInputStream()).status()).as(host).isEqualTo(200);
      }
    }
    assertThat(RawHttp.request(port, "DELETE", "/ui/api/cvms").status()).isEqualTo(405);
  }

  @Test
  void theTableAndOneCvm() throws Exception {
    ManagerDaemon daemon = start(uiEnv());
    String id = create(daemon);
    int port = daemon.httpPort();
    JsonNode table = RawHttp.get(port, "/ui/api/cvms").json();
    assertThat(table.get("now").asText()).endsWith("Z");
    assertThat(table.get("cvms")).hasSize(1);
    JsonNode row = table.get("cvms").get(0);
    assertThat(row.get("id").asText()).isEqualTo(id);
    assertThat(row.get("state").asText()).isEqualTo("running");
    assertThat(row.get("tee").asText()).isEqualTo("none");
    assertThat(row.get("host_port").asInt()).isPositive();
    assertThat(row.get("pid").asLong()).isPositive();
    assertThat(row.get("ttl_deadline").asText()).endsWith("Z");
    assertThat(row.get("exit_code").isNull()).isTrue();
    assertThat(row.get("reason").isNull()).isTrue();
    for (String field : List.of("guest_status", "cid", "created_at", "agent_ready_ms")) {
      assertThat(row.has(field)).as(field).isTrue();
    }
    JsonNode detail = RawHttp.get(port, "/ui/api/cvms/" + id).json();
    assertThat(detail.get("cvm").get("id").asText()).isEqualTo(id);
    assertThat(detail.get("info").get("kernel_command_line").asText()).isEqualTo("console=ttyS0");
    assertThat(detail.get("events").findValuesAsText("type")).contains("created", "running");
    RawHttp.Response unknown = RawHttp.get(port, "/ui/api/cvms/no-such-cvm");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.json().get("error").asText()).isNotEmpty();
    assertThat(RawHttp.get(port, "/ui/api/cvms/%3Cscript%3E").status()).isEqualTo(404);
    JsonNode host = RawHttp.get(port, "/ui/api/host").json();
    assertThat(host.get("states").get("running").asInt()).isEqualTo(1);
    assertThat(host.has("samples")).isTrue();
  }

  @Test
  void consolePagesAreWholeLinesOfHostileTextAsJsonStrings() throws Exception {
    ManagerDaemon daemon = start(uiEnv());
    String id = create(daemon);
    int port = daemon.httpPort();
    List<String> hostile =
        List.of(
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(2)>",
            "javascript:alert(3)",
            "\"quoted\" \\ back\u0001slash \u00e9");
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 2000; i++) {
      text.append("line ")
          .append(i)
          .append(' ')
          .append(hostile.get(i % hostile.size()))
          .append('\n');
    }
    Files.writeString(console(id), text, StandardOpenOption.APPEND);
    String last = "line 1999 " + hostile.get(1999 % hostile.size());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                lines(RawHttp.get(port, "/ui/api/cvms/" + id + "/console").json()).contains(last));

    JsonNode tail = RawHttp.get(port, "/ui/api/cvms/" + id + "/console?max=1000").json();
    List<String> tailLines = lines(tail);
    assertThat(tail.get("end").asLong() - tail.get("start").asLong()).isLessThanOrEqualTo(1000);
    assertThat(tail.get("first").asLong()).isZero();
    assertThat(tailLines).isNotEmpty().allMatch(l -> l.startsWith("line "));
    assertThat(tailLines).contains("line 1996 " + hostile.get(0), "line 1997 " + hostile.get(1));

    JsonNode older =
        RawHttp.get(port, "/ui/api/cvms/" + id + "/console?max=1000&before=" + tail.get("start"))
            .json();
    assertThat(older.get("end").asLong()).isEqualTo(tail.get("start").asLong());
    List<String> olderLines = lines(older);
    int lastOlder = number(olderLines.get(olderLines.size() - 1));
    assertThat(number(tailLines.get(0))).isEqualTo(lastOlder + 1);

    JsonNode huge = RawHttp.get(port, "/ui/api/cvms/" + id + "/console?max=999999999").json();
    assertThat(huge.get("end").asLong() - huge.get("start").asLong())
        .isLessThanOrEqualTo(UiRoutes.PAGE_MAX);
    JsonNode start = RawHttp.get(port, "/ui/api/cvms/" + id + "/console?before=0").json();
    assertThat(lines(start)).isEmpty();
    assertThat(RawHttp.get(port, "/ui/api/cvms/" + id + "/console?max=0").status()).isEqualTo(400);
    assertThat(RawHttp.get(port, "/ui/api/cvms/" + id + "/console?max=x").status()).isEqualTo(400);
    assertThat(RawHttp.get(port, "/ui/api/cvms/nope/console").status()).isEqualTo(404);
  }

  static List<String> lines(JsonNode page) {
    List<String> lines = new ArrayList<>();
    page.get("lines").forEach(l -> lines.add(l.asText()));
    return lines;
  }

  static int number(String line) {
    return Integer.parseInt(line.split(" ")[1]);
  }

  @Test
  void aConsoleStreamFollowsTheGuestAndEndsWhenItExits() throws Exception {
    Map<String, String> env = uiEnv();
    env.put("MANAGER_QEMU_KERNEL_CMDLINE", "console=ttyS0 fake.exit-after=4:0");
    ManagerDaemon daemon = start(env);
    String id = create(daemon);
    int port = daemon.httpPort();
    long end = RawHttp.get(port, "/ui/api/cvms/" + id + "/console").json().get("end").asLong();
    RawHttp.Stream s = stream(port, "/ui/api/cvms/" + id + "/console/stream?from=" + end);
    assertThat(s.head.status()).isEqualTo(200);
    assertThat(s.head.header("Content-Type")).startsWith("text/event-stream");
    assertThat(s.head.header("Content-Security-Policy")).isEqualTo(UiHttp.CSP);
    Files.writeString(console(id), "<script>follow()</script>\n", StandardOpenOption.APPEND);
    List<String> seen = new ArrayList<>();
    boolean ended = false;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!ended && System.nanoTime() < deadline) {
      RawHttp.Event e = s.events.poll(1, TimeUnit.SECONDS);
      if (e == null) {
        continue;
      }
      if (e.name().equals("lines")) {
        assertThat(e.data().get("start").asLong()).isGreaterThanOrEqualTo(end);
        e.data().get("lines").forEach(l -> seen.add(l.asText()));
      }
      ended = e.name().equals("end");
    }
    assertThat(seen).contains("<script>follow()</script>");
    assertThat(ended).as("end event").isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> s.ended);
    await().atMost(Duration.ofSeconds(5)).until(() -> ui(daemon).openStreams() == 0);
  }

  @Test
  void theFeedSendsASnapshotThenEachEvent() throws Exception {
    ManagerDaemon daemon = start(uiEnv());
    int port = daemon.httpPort();
    RawHttp.Stream s = stream(port, "/ui/api/feed");
    RawHttp.Event snapshot = s.events.poll(10, TimeUnit.SECONDS);
    assertThat(snapshot).isNotNull();
    assertThat(snapshot.name()).isEqualTo("snapshot");
    assertThat(snapshot.data().get("cvms")).isEmpty();
    String id = create(daemon);
    List<String> types = new ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(1))
        .until(
            () -> {
              RawHttp.Event e;
              while ((e = s.events.poll()) != null) {
                if (e.name().equals("cvm")
                    && e.data().get("event").get("cvm_id").asText().equals(id)) {
                  types.add(e.data().get("event").get("type").asText());
                  if (e.data().get("event").get("type").asText().equals("running")) {
                    assertThat(e.data().get("cvm").get("state").asText()).isEqualTo("running");
                  }
                }
              }
              return types.contains("running");
            });
    assertThat(types).startsWith("created");
    daemon.lifecycle().removeVm(id);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> {
              RawHttp.Event e;
              while ((e = s.events.poll()) != null) {
                if (e.name().equals("cvm")
                    && e.data().get("event").get("type").asText().equals("removed")) {
                  return e.data().get("cvm").isNull();
                }
              }
              return false;
            });
  }

  @Test
  void hostSamplesComeFromTheManagersMetrics() throws Exception {
    ManagerDaemon daemon = start(uiEnv());
    String id = create(daemon);
    int port = daemon.httpPort();
    Files.writeString(console(id), "x".repeat(10_000) + "\n", StandardOpenOption.APPEND);
    RawHttp.Stream feed = stream(port, "/ui/api/feed");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              RawHttp.Event e;
              while ((e = feed.events.poll()) != null) {
                if (e.name().equals("host")) {
                  return e.data().get("running").asInt() == 1;
                }
              }
              return false;
            });
    JsonNode host = RawHttp.get(port, "/ui/api/host").json();
    assertThat(host.get("samples")).isNotEmpty();
    JsonNode sample = host.get("samples").get(0);
    assertThat(sample.get("cvms").asInt()).isEqualTo(1);
    assertThat(sample.get("create_vm_calls").asInt()).isZero();
    assertThat(sample.get("create_vm_latency_ms").isNull()).isTrue();
    assertThat(sample.get("console_bytes_per_s").asDouble()).isNotNegative();
    assertThat(RawHttp.get(port, "/metrics").text()).contains("manager_console_bytes_total");
  }

  @Test
  void hostSamplesCountCreateVmCallsTheirLatencyAndConsoleBytes() throws Exception {
    ManagerDaemon daemon = start(uiEnv());
    int port = daemon.httpPort();
    RawHttp.Stream feed = stream(port, "/ui/api/feed");
    await().atMost(Duration.ofSeconds(20)).until(() -> nextHost(feed) != null); // the baseline
    ManagedChannel channel = InProcessChannelBuilder.forName(serverName).build();
    toClose.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    String id =
        ManagerServiceGrpc.newBlockingStub(channel)
            .createVm(CreateReq.newBuilder().setAgentCvmServerUrl("10.0.2.2:7001").build())
            .getCvmId();
    Files.writeString(console(id), "y".repeat(50_000) + "\n", StandardOpenOption.APPEND);
    List<JsonNode> samples = new ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              JsonNode h;
              while ((h = nextHost(feed)) != null) {
                samples.add(h);
              }
              return samples.stream().mapToInt(x -> x.get("create_vm_calls").asInt()).sum() == 1
                  && samples.stream().anyMatch(x -> x.get("console_bytes_per_s").asDouble() > 0);
            });
    JsonNode withCall =
        samples.stream().filter(x -> x.get("create_vm_calls").asInt() == 1).findFirst().get();
    assertThat(withCall.get("create_vm_latency_ms").asDouble()).isPositive();
    double bytes =
        samples.stream()
            .mapToDouble(x -> x.get("console_bytes_per_s").asDouble())
            .max()
            .getAsDouble();
    // 50,001 bytes written plus the fake guest's own lines, spread over 2 s intervals
    assertThat(bytes * HostSampler.INTERVAL_SECONDS).isGreaterThan(10_000);
  }

  /** The next host sample the feed has received, or null. */
  static JsonNode nextHost(RawHttp.Stream feed) {
    RawHttp.Event e;
    while ((e = feed.events.poll()) != null) {
      if (e.name().equals("host")) {
        return e.data();
      }
    }
    return null;
  }

  @Test
  void streamsAreCappedInAllAndPerClient() throws Exception {
    Map<String, String> env = uiEnv();
    env.put("MANAGER_HTTP_UI_MAX_STREAMS", "3");
    ManagerDaemon daemon = start(env);
    int port = daemon.httpPort();
    List<RawHttp.Stream> open = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      open.add(stream(port, "/ui/api/feed"));
      assertThat(open.get(i).head.status()).isEqualTo(200);
    }
    RawHttp.Stream refused = stream(port, "/ui/api/feed");
    assertThat(refused.head.status()).isEqualTo(429);
    assertThat(ui(daemon).openStreams()).isEqualTo(3);
    for (RawHttp.Stream s : open) {
      s.close();
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> ui(daemon).openStreams() == 0);
    assertThat(stream(port, "/ui/api/feed").head.status()).isEqualTo(200);
  }

  @Test
  void oneClientGetsAtMostEightStreams() throws Exception {
    ManagerDaemon daemon = start(uiEnv());
    int port = daemon.httpPort();
    for (int i = 0; i < StreamLimits.PER_CLIENT; i++) {
      assertThat(stream(port, "/ui/api/feed").head.status()).isEqualTo(200);
    }
    assertThat(stream(port, "/ui/api/feed").head.status()).isEqualTo(429);
    assertThat(ui(daemon).openStreams()).isEqualTo(StreamLimits.PER_CLIENT);
  }

  @Test
  void aClientThatStopsReadingIsDisconnected() throws Exception {
    long ping = SseChannel.pingMillis;
    SseChannel.pingMillis = 200;
    toClose.add(() -> SseChannel.pingMillis = ping);
    Map<String, String> env = uiEnv();
    env.put("MANAGER_QEMU_KERNEL_CMDLINE", "console=ttyS0 fake.mode=flood");
    ManagerDaemon daemon = start(env);
    String id = create(daemon);
    int port = daemon.httpPort();
    try (Socket socket = new Socket()) {
      socket.setReceiveBufferSize(4096);
      socket.connect(new java.net.InetSocketAddress("127.0.0.1", port));
      RawHttp.send(socket, "GET", "/ui/api/cvms/" + id + "/console/stream?from=0");
      // never reads: the server's queue fills to its high-water mark, then the pings find it
      // unwritable and close the connection
      await().atMost(Duration.ofSeconds(5)).until(() -> ui(daemon).openStreams() == 1);
      await().atMost(Duration.ofSeconds(30)).until(() -> ui(daemon).openStreams() == 0);
    }
  }

  @Test
  void removalNeedsActionsTheTokenAndOurOrigin() throws Exception {
    Map<String, String> env = uiEnv();
    env.put("MANAGER_HTTP_UI_ACTIONS", "true");
    ManagerDaemon daemon = start(env);
    String id = create(daemon);
    int port = daemon.httpPort();
    JsonNode session = RawHttp.get(port, "/ui/api/session").json();
    assertThat(session.get("actions").asBoolean()).isTrue();
    String token = session.get("csrf_token").asText();
    String path = "/ui/api/cvms/" + id + "/remove";
    assertThat(RawHttp.request(port, "POST", path).status()).isEqualTo(403);
    assertThat(RawHttp.request(port, "POST", path, "X-Cocos-Csrf: " + token + "x").status())
        .isEqualTo(403);
    assertThat(
            RawHttp.request(
                    port, "POST", path, "X-Cocos-Csrf: " + token, "Origin: http://evil.example")
                .status())
        .isEqualTo(403);
    assertThat(RawHttp.get(port, path).status()).isEqualTo(405);
    assertThat(daemon.lifecycle().listVms()).hasSize(1);
    assertThat(
            RawHttp.request(port, "POST", "/ui/api/cvms/nope/remove", "X-Cocos-Csrf: " + token)
                .status())
        .isEqualTo(404);
    RawHttp.Response removed =
        RawHttp.request(port, "POST", path, "X-Cocos-Csrf: " + token, "Origin: http://127.0.0.1");
    assertThat(removed.status()).isEqualTo(204);
    assertThat(daemon.lifecycle().listVms()).isEmpty();
  }

  @Test
  void withActionsOffNothingIsRemoved() throws Exception {
    ManagerDaemon daemon = start(uiEnv());
    String id = create(daemon);
    int port = daemon.httpPort();
    String token = RawHttp.get(port, "/ui/api/session").json().get("csrf_token").asText();
    RawHttp.Response r =
        RawHttp.request(port, "POST", "/ui/api/cvms/" + id + "/remove", "X-Cocos-Csrf: " + token);
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.header("Cache-Control")).isEqualTo("no-store");
    assertThat(daemon.lifecycle().listVms()).hasSize(1);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
