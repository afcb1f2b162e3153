package io.cocos.manager.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import com.google.protobuf.WireFormat;
import com.sun.net.httpserver.HttpServer;
import io.cocos.manager.api.AttestationPolicyReq;
import io.cocos.manager.api.CreateReq;
import io.cocos.manager.api.CreateRes;
import io.cocos.manager.api.LifecycleEvent;
import io.cocos.manager.api.LogLine;
import io.cocos.manager.api.ManagerServiceGrpc;
import io.cocos.manager.api.RemoveReq;
import io.cocos.manager.api.StreamLogsReq;
import io.cocos.manager.api.WatchEventsReq;
import io.cocos.manager.core.config.Env;
import io.cocos.manager.core.testing.ManagerEnvironments;
import io.cocos.manager.grpc.server.GrpcServer;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** StreamLogs, WatchEvents, /metrics, /health and traces, against an in-process manager. */
class ObservabilityTest {
  @TempDir Path tmp;
  final List<AutoCloseable> toClose = new ArrayList<>();
  ManagerDaemon daemon;
  final HandledCalls handled = new HandledCalls();
  ManagerServiceGrpc.ManagerServiceBlockingStub stub;
  ManagedChannel channel;

  @AfterEach
  void closeAll() throws Exception {
    removeCvmsThenClose(daemon, toClose);
  }

  /**
   * Removes the CVMs a test left on {@code daemon} (if it started), so no fake QEMU outlives it,
   * then closes {@code toClose}, newest first.
   */
  static void removeCvmsThenClose(ManagerDaemon daemon, List<AutoCloseable> toClose)
      throws Exception {
    if (daemon != null) {
      for (var r : daemon.lifecycle().listVms()) {
        daemon.lifecycle().removeVm(r.id());
      }
    }
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  void start(Map<String, String> env) throws Exception {
    daemon = ManagerDaemon.start(new Env(env), config -> GrpcServer.tcp(config).intercept(handled));
    toClose.add(daemon);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", daemon.grpcPort()).usePlaintext().build();
    toClose.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    stub = ManagerServiceGrpc.newBlockingStub(channel);
  }

  @Test
  void logsAreTailedAndFollowedUntilTheCvmEnds() throws Exception {
    start(ManagerEnvironments.fakeQemuEnv(tmp));
    CreateRes created = stub.createVm(CreateReq.getDefaultInstance());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> lines(created.getCvmId(), 100, false).size() >= 4);

    List<String> tail = lines(created.getCvmId(), 2, false);
    assertThat(tail).hasSize(2).allMatch(l -> l.startsWith("fake-qemu: console line"));

    Iterator<LogLine> follow =
        stub.withDeadlineAfter(20, TimeUnit.SECONDS)
            .streamLogs(
                StreamLogsReq.newBuilder()
                    .setCvmId(created.getCvmId())
                    .setTail(1)
                    .setFollow(true)
                    .build());
    int first = number(follow.next().getLine());
    int next = number(follow.next().getLine());
    assertThat(next).isEqualTo(first + 1);

    stub.removeVm(RemoveReq.newBuilder().setCvmId(created.getCvmId()).build());
    List<String> rest = new ArrayList<>();
    follow.forEachRemaining(l -> rest.add(l.getLine()));
    assertThat(rest).last().asString().isEqualTo("fake-qemu: shutting down (guest-shutdown)");

    StatusRuntimeException gone =
        assertThrows(StatusRuntimeException.class, () -> lines(created.getCvmId(), 1, false));
    assertThat(gone.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void aWatchOfAnUnknownOrRemovedCvmEndsWithNotFound() throws Exception {
    start(ManagerEnvironments.fakeQemuEnv(tmp));
    CreateRes created = stub.createVm(CreateReq.getDefaultInstance());
    stub.removeVm(RemoveReq.newBuilder().setCvmId(created.getCvmId()).build());
    for (String id : List.of("no-such-cvm", created.getCvmId())) {
      Iterator<LifecycleEvent> watch =
          stub.withDeadlineAfter(10, TimeUnit.SECONDS)
              .watchEvents(WatchEventsReq.newBuilder().setCvmId(id).build());
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, watch::hasNext);
      assertThat(e.getStatus().getCode()).as(id).isEqualTo(Status.Code.NOT_FOUND);
    }
  }

  @Test
  void eventsArriveInOrderForOneCvmOrAll() throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    env.put("MANAGER_QEMU_KERNEL_CMDLINE", "fake.mode=exit-later");
    start(env);
    List<LifecycleEvent> all = new CopyOnWriteArrayList<>();
    Iterator<LifecycleEvent> watchAll =
        stub.withDeadlineAfter(30, TimeUnit.SECONDS)
            .watchEvents(WatchEventsReq.getDefaultInstance());
    Thread reader =
        new Thread(
            () -> {
              try {
                watchAll.forEachRemaining(all::add);
              } catch (StatusRuntimeException e) {
                // cancelled at the end of the test
              }
            });
    reader.setDaemon(true);
    reader.start();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> handled.count("WatchEvents") == 1); // it has subscribed

    CreateRes created = stub.createVm(CreateReq.getDefaultInstance());
    Iterator<LifecycleEvent> watchOne =
        stub.withDeadlineAfter(30, TimeUnit.SECONDS)
            .watchEvents(WatchEventsReq.newBuilder().setCvmId(created.getCvmId()).build());
    LifecycleEvent exited = watchOne.next();
    assertThat(exited.getType()).isEqualTo("exited");
    assertThat(exited.getExitCode())
        .as("a crash: QEMU's own code, as its wrapper shell saw it")
        .isEqualTo(3);
    assertThat(exited.getState()).isEqualTo("exited");
    stub.removeVm(RemoveReq.newBuilder().setCvmId(created.getCvmId()).build());
    List<String> oneRest = new ArrayList<>();
    watchOne.forEachRemaining(e -> oneRest.add(e.getType()));
    assertThat(oneRest).containsExactly("stopping", "removed"); // and the stream ends with the CVM

    await().until(() -> all.size() >= 5);
    assertThat(all)
        .extracting(LifecycleEvent::getType)
        .containsExactly("created", "running", "exited", "stopping", "removed");
    assertThat(all)
        .allSatisfy(
            e -> {
              assertThat(e.getCvmId()).isEqualTo(created.getCvmId());
              assertThat(e.getDroppedBefore()).isZero();
              assertThat(e.hasTime()).isTrue();
            });
  }

  @Test
  void metricsMoveAsCvmsComeAndGoAndHealthSaysReady() throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    start(env);
    String before = scrape();
    assertThat(value(before, "manager_cvms", "state=\"running\"")).isZero();
    assertThat(value(before, "manager_host_ports_free", "")).isEqualTo(20);
    assertThat(value(before, "manager_uptime_seconds", "")).isPositive();

    CreateRes created = stub.createVm(CreateReq.getDefaultInstance());
    String during = scrape();
    assertThat(value(during, "manager_cvms", "state=\"running\"")).isEqualTo(1);
    assertThat(value(during, "manager_host_ports_free", "")).isEqualTo(19);
    assertThat(
            value(
                during,
                "manager_cvm_operations_total",
                "operation=\"create\"",
                "result=\"success\""))
        .isEqualTo(1);
    assertThat(value(during, "manager_rpc_requests_total", "code=\"OK\"", "method=\"CreateVm\""))
        .isEqualTo(1);
    assertThat(value(during, "manager_rpc_duration_seconds_count", "method=\"CreateVm\""))
        .isEqualTo(1);
    // upstream's series, by upstream's method names
    assertThat(value(during, "manager_api_request_count", "method=\"Run\"")).isEqualTo(1);
    assertThat(value(during, "manager_api_request_latency_microseconds_count", "method=\"Run\""))
        .isEqualTo(1);
    assertThat(value(during, "manager_api_request_latency_microseconds_sum", "method=\"Run\""))
        .isPositive()
        .isLessThan(60); // seconds, as upstream observes them despite the name
    assertThat(during)
        .contains(
            "# TYPE manager_api_request_count untyped",
            "# TYPE manager_api_request_latency_microseconds summary");

    stub.removeVm(RemoveReq.newBuilder().setCvmId(created.getCvmId()).build());
    assertThrows(
        StatusRuntimeException.class,
        () -> stub.removeVm(RemoveReq.newBuilder().setCvmId(created.getCvmId()).build()));
    assertThrows(
        StatusRuntimeException.class,
        () -> stub.attestationPolicy(AttestationPolicyReq.newBuilder().setId("x").build()));
    String after = scrape();
    assertThat(value(after, "manager_cvms", "state=\"running\"")).isZero();
    assertThat(value(after, "manager_host_ports_free", "")).isEqualTo(20);
    assertThat(
            value(
                after,
                "manager_cvm_operations_total",
                "operation=\"remove\"",
                "result=\"failure\"",
                "reason=\"not_found\""))
        .isEqualTo(1);
    assertThat(
            value(after, "manager_rpc_requests_total", "code=\"NOT_FOUND\"", "method=\"RemoveVm\""))
        .isEqualTo(1);
    assertThat(value(after, "manager_attestation_policies_total", "result=\"failure\""))
        .isEqualTo(1);
    // failed calls count too, as upstream's deferred counter does
    assertThat(value(after, "manager_api_request_count", "method=\"Stop\"")).isEqualTo(2);
    assertThat(value(after, "manager_api_request_count", "method=\"FetchAttestationPolicy\""))
        .isEqualTo(1);
    assertThat(value(after, "manager_api_request_latency_microseconds_count", "method=\"Stop\""))
        .isEqualTo(2);

    HttpResponse<String> health = http("/health");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.headers().firstValue("Content-Type")).contains("application/health+json");
    var json = new ObjectMapper().readTree(health.body());
    // upstream's fields (its health package), then ours
    assertThat(json.path("status").asText()).isEqualTo("pass");
    assertThat(json.path("version").asText()).isEqualTo("0.1.0-SNAPSHOT");
    assertThat(json.path("commit").asText()).isNotEmpty();
    assertThat(json.path("description").asText()).isEqualTo("manager service");
    assertThat(json.path("build_time").asText()).matches("\\d{4}-\\d{2}-\\d{2}T.*");
    assertThat(json.path("instance_id").asText())
        .isEqualTo(daemon.serverConfig().instanceId())
        .isNotEmpty();
    assertThat(json.path("readiness").asText()).isEqualTo("ready");
    assertThat(json.path("cms_link").asText()).isEqualTo("standalone");
    assertThat(http("/health/live").statusCode()).isEqualTo(200);
    assertThat(http("/health/ready").statusCode()).isEqualTo(200);
  }

  @Test
  void everyMetricTheAlertsAndTheDashboardUseIsExported() throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    env.put("MANAGER_QEMU_KERNEL_CMDLINE", "fake.mode=exit-later");
    start(env);
    CreateRes created = stub.createVm(CreateReq.getDefaultInstance());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> scrape().contains("manager_qemu_exits_total{"));
    assertThrows(
        StatusRuntimeException.class,
        () ->
            stub.attestationPolicy(
                AttestationPolicyReq.newBuilder().setId(created.getCvmId()).build()));
    stub.removeVm(RemoveReq.newBuilder().setCvmId(created.getCvmId()).build());
    String exposition = scrape();

    Set<String> used = new TreeSet<>();
    for (String file : List.of("alert_rules.yml", "grafana-dashboard.json")) {
      Matcher m =
          Pattern.compile("manager_[a-z_]+")
              .matcher(Files.readString(Path.of("../monitoring", file)));
      while (m.find()) {
        used.add(m.group());
      }
    }
    assertThat(used)
        .isNotEmpty()
        .allSatisfy(
            name ->
                assertThat(exposition)
                    .as("exported metric " + name)
                    .containsPattern("(?m)^" + name + "[{ ]"));
  }

  @Test
  void eachRpcIsASpanWithChildStepsUnderTheCallersTrace() throws Exception {
    List<byte[]> exports = new CopyOnWriteArrayList<>();
    HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    collector.createContext(
        "/v1/traces",
        exchange -> {
          exports.add(exchange.getRequestBody().readAllBytes());
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    collector.start();
    toClose.add(() -> collector.stop(0));
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    env.put("COCOS_JAEGER_URL", "http://127.0.0.1:" + collector.getAddress().getPort());
    env.put("MANAGER_INSTANCE_ID", "manager-under-test");
    start(env);

    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    String callerSpan = "00f067aa0ba902b7";
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER),
        "00-" + traceId + "-" + callerSpan + "-01");
    // secrets in the request, and in a refused one, must reach no span
    String secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    String token = "span-certs-token-5d1c";
    CreateRes created =
        stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
            .createVm(
                CreateReq.newBuilder()
                    .setAgentCertsToken(token)
                    .setAwsAccessKeyId("AKIA1")
                    .setAwsSecretAccessKey(secret)
                    .build());
    assertThrows(
        StatusRuntimeException.class,
        () ->
            stub.createVm(
                CreateReq.newBuilder()
                    .setAgentCertsToken(token + "\n")
                    .setAwsAccessKeyId("AKIA1")
                    .setAwsSecretAccessKey(secret)
                    .build()));

    // the RPC's span ends after its steps', so it may come in a later export
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                spans(exports).stream()
                    .map(s -> s.name)
                    .toList()
                    .containsAll(List.of("qemu ready", "manager.ManagerService/CreateVm")));
    List<ExportedSpan> spans = spans(exports);
    ExportedSpan rpc =
        spans.stream()
            .filter(s -> s.name.equals("manager.ManagerService/CreateVm"))
            .findFirst()
            .orElseThrow();
    assertThat(rpc.traceId).isEqualTo(traceId);
    assertThat(rpc.parentId).isEqualTo(callerSpan);
    assertThat(rpc.resource)
        .containsEntry("service.name", "manager")
        .containsEntry("manager.instance_id", "manager-under-test");
    for (String step :
        List.of("attestation launch tcb", "prepare files", "qemu spawn", "qemu ready")) {
      assertThat(spans)
          .as(step)
          .anySatisfy(
              s -> {
                assertThat(s.name).isEqualTo(step);
                assertThat(s.traceId).isEqualTo(traceId);
                assertThat(s.parentId).isEqualTo(rpc.spanId);
              });
    }
    stub.removeVm(RemoveReq.newBuilder().setCvmId(created.getCvmId()).build());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> spans(exports).stream().anyMatch(s -> s.name.equals("qemu stop")));
    assertThat(spans(exports))
        .filteredOn(s -> s.name.equals("manager.ManagerService/CreateVm"))
        .hasSize(2);
    assertThat(exports)
        .allSatisfy(
            export ->
                assertThat(new String(export, StandardCharsets.ISO_8859_1))
                    .doesNotContain(secret)
                    .doesNotContain(token));
  }

  // ------------------------------------------------------------------ helpers

  @Test
  void theBatchedFormCarriesTheSameLinesSeveralPerMessageAndATailPast2To31MeansAll()
      throws Exception {
    start(ManagerEnvironments.fakeQemuEnv(tmp));
    CreateRes created = stub.createVm(CreateReq.getDefaultInstance());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> lines(created.getCvmId(), 100, false).size() >= 4);
    // Both forms end at the end of what is written, which a console line a second rarely moves.
    List<String> oneByOne = lines(created.getCvmId(), 100, false);
    List<LogLine> batches = new ArrayList<>();
    stub.withDeadlineAfter(10, TimeUnit.SECONDS)
        .streamLogs(
            StreamLogsReq.newBuilder()
                .setCvmId(created.getCvmId())
                .setTail(-1)
                .setBatch(true)
                .build())
        .forEachRemaining(batches::add);

    assertThat(batches)
        .allSatisfy(
            b -> {
              assertThat(b.getLine()).isEmpty();
              assertThat(b.getLinesCount()).isPositive();
              assertThat(b.getCvmId()).isEqualTo(created.getCvmId());
            });
    List<String> batched =
        batches.stream()
            .flatMap(b -> b.getLinesList().stream())
            .map(ByteString::toStringUtf8)
            .toList();
    assertThat(batches.size()).as("several lines per message").isLessThan(batched.size());
    assertThat(batched.get(0))
        .as("tail 2^32-1 (a uint32 read as unsigned) means from the start")
        .startsWith("fake-qemu: started");
    assertThat(batched).containsSubsequence(oneByOne.subList(0, 3));

    List<String> unsignedTail = lines(created.getCvmId(), Integer.MIN_VALUE, false); // 2^31
    assertThat(unsignedTail.get(0)).startsWith("fake-qemu: started");
  }

  @Test
  void invalidUtf8AndCarriageReturnsFromTheGuestReachBothFormsAsValidUtf8Lines() throws Exception {
    start(ManagerEnvironments.fakeQemuEnv(tmp));
    CreateRes created = stub.createVm(CreateReq.getDefaultInstance());
    Path console =
        tmp.resolve("state").resolve("cvms").resolve(created.getCvmId()).resolve("console.log");
    // one write, so that the fake guest's own lines do not land inside it
    Files.write(
        console,
        new byte[] {
          'b',
          'a',
          'd',
          ' ',
          (byte) 0xff,
          (byte) 0xc3,
          '\n',
          'c',
          'r',
          '\r',
          '\n',
          'u',
          't',
          'f',
          ' ',
          (byte) 0xc3,
          (byte) 0xa9,
          '\n'
        },
        StandardOpenOption.APPEND);
    List<String> expected = List.of("bad \uFFFD\uFFFD", "cr", "utf \u00e9");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> lines(created.getCvmId(), -1, false).containsAll(expected));

    List<LogLine> batches = new ArrayList<>();
    stub.withDeadlineAfter(10, TimeUnit.SECONDS)
        .streamLogs(
            StreamLogsReq.newBuilder()
                .setCvmId(created.getCvmId())
                .setTail(-1)
                .setBatch(true)
                .build())
        .forEachRemaining(batches::add);
    List<String> batched = new ArrayList<>();
    for (LogLine batch : batches) {
      // read field 4 as a client that declares it `string` does: invalid UTF-8 would fail the parse
      CodedInputStream in = CodedInputStream.newInstance(batch.toByteArray());
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (WireFormat.getTagFieldNumber(tag) == LogLine.LINES_FIELD_NUMBER) {
          batched.add(in.readStringRequireUtf8());
        } else {
          in.skipField(tag);
        }
      }
    }
    assertThat(batched).containsSubsequence(expected);
  }

  List<String> lines(String cvmId, int tail, boolean follow) {
    List<String> out = new ArrayList<>();
    stub.withDeadlineAfter(10, TimeUnit.SECONDS)
        .streamLogs(
            StreamLogsReq.newBuilder().setCvmId(cvmId).setTail(tail).setFollow(follow).build())
        .forEachRemaining(l -> out.add(l.getLine()));
    return out;
  }

  static int number(String line) {
    return Integer.parseInt(line.substring(line.lastIndexOf(' ') + 1));
  }

  HttpResponse<String> http(String path) throws IOException, InterruptedException {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.httpPort() + path))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  String scrape() throws IOException, InterruptedException {
    return scrape(daemon.httpPort());
  }

  /** The /metrics exposition of the manager whose HTTP endpoint is on {@code httpPort}. */
  static String scrape(int httpPort) throws IOException, InterruptedException {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  /** The value of the one sample of {@code name} whose labels contain all of {@code labels}. */
  static double value(String exposition, String name, String... labels) {
    Pattern sample =
        Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*})? (\\S+)$", Pattern.MULTILINE);
    Matcher m = sample.matcher(exposition);
    List<Double> found = new ArrayList<>();
    while (m.find()) {
      String set = m.group(1) == null ? "" : m.group(1);
      if (List.of(labels).stream().allMatch(l -> l.isEmpty() || set.contains(l))) {
        found.add(Double.parseDouble(m.group(2)));
      }
    }
    assertThat(found).as("%s %s in%n%s", name, List.of(labels), exposition).hasSize(1);
    return found.get(0);
  }

  /**
   * A span as the OTLP/HTTP protobuf carries it, read field by field
   * (opentelemetry/proto/trace/v1).
   */
  record ExportedSpan(
      String traceId, String spanId, String parentId, String name, Map<String, String> resource) {}

  static List<ExportedSpan> spans(List<byte[]> exports) throws InvalidProtocolBufferException {
    List<ExportedSpan> out = new ArrayList<>();
    HexFormat hex = HexFormat.of();
    for (byte[] export : exports) {
      for (var resourceSpans :
          UnknownFieldSet.parseFrom(export).getField(1).getLengthDelimitedList()) {
        UnknownFieldSet rs = UnknownFieldSet.parseFrom(resourceSpans);
        Map<String, String> resource = new HashMap<>();
        for (var resourceBytes : rs.getField(1).getLengthDelimitedList()) {
          for (var kv :
              UnknownFieldSet.parseFrom(resourceBytes).getField(1).getLengthDelimitedList()) {
            UnknownFieldSet pair = UnknownFieldSet.parseFrom(kv);
            UnknownFieldSet anyValue =
                UnknownFieldSet.parseFrom(pair.getField(2).getLengthDelimitedList().get(0));
            if (!anyValue.getField(1).getLengthDelimitedList().isEmpty()) {
              resource.put(
                  pair.getField(1).getLengthDelimitedList().get(0).toStringUtf8(),
                  anyValue.getField(1).getLengthDelimitedList().get(0).toStringUtf8());
            }
          }
        }
        for (var scopeSpans : rs.getField(2).getLengthDelimitedList()) {
          for (var spanBytes :
              UnknownFieldSet.parseFrom(scopeSpans).getField(2).getLengthDelimitedList()) {
            UnknownFieldSet span = UnknownFieldSet.parseFrom(spanBytes);
            var parent = span.getField(4).getLengthDelimitedList();
            out.add(
                new ExportedSpan(
                    hex.formatHex(span.getField(1).getLengthDelimitedList().get(0).toByteArray()),
                    hex.formatHex(span.getField(2).getLengthDelimitedList().get(0).toByteArray()),
                    parent.isEmpty() ? "" : hex.formatHex(parent.get(0).toByteArray()),
                    span.getField(5)
                        .getLengthDelimitedList()
                        .get(0)
                        .toString(StandardCharsets.UTF_8),
                    resource));
          }
        }
      }
    }
    return out;
  }
}
