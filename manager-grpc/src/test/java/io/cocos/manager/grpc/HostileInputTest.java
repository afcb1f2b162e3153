package io.cocos.manager.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.cocos.manager.api.AttestationPolicyReq;
import io.cocos.manager.api.CVMInfoReq;
import io.cocos.manager.api.CreateReq;
import io.cocos.manager.api.ListVmsReq;
import io.cocos.manager.api.ManagerServiceGrpc;
import io.cocos.manager.api.RawBytesMarshaller;
import io.cocos.manager.api.RemoveReq;
import io.cocos.manager.api.StreamLogsReq;
import io.cocos.manager.api.WatchEventsReq;
import io.cocos.manager.core.config.Env;
import io.cocos.manager.core.cvm.RequestLimits;
import io.cocos.manager.core.testing.ManagerEnvironments;
import io.cocos.manager.core.testing.TestPki;
import io.cocos.manager.grpc.server.GrpcServer;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What an attacker can send the manager, against one real manager (fake QEMU) over real sockets:
 * every RPC with over-long, injected and malformed fields and with request bytes that do not parse,
 * and both ports (gRPC and HTTP) with clients that never finish, sit idle or send too much. Each
 * case checks the status code, that the message is one short line, and that nothing was left
 * behind: no CVM record, no file in the state directory, no child process, and the manager still
 * answering. Case count: docs/testing.md, "The hostile-input suite"; the CPU cost of the costliest
 * accepted request: bench/README.md.
 */
class HostileInputTest {
  static final int MAX_MESSAGE = 512;
  static final Duration WAIT = Duration.ofSeconds(10);

  /** Short so the idle and slow-client cases end quickly; production defaults are 5m and 10s. */
  static final Duration IDLE = Duration.ofSeconds(1);

  /** MANAGER_GRPC_TIMEOUT here: long enough for a CreateVm with the fake QEMU. */
  static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);

  @TempDir static Path tmp;
  static ManagerDaemon daemon;
  static ManagedChannel channel;
  static ManagerServiceGrpc.ManagerServiceBlockingStub client;
  static List<Path> stateBefore;

  @BeforeAll
  static void startManager() throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    env.put("MANAGER_GRPC_MAX_CONNECTION_IDLE", IDLE.toMillis() + "ms");
    env.put("MANAGER_HTTP_REQUEST_TIMEOUT", IDLE.toMillis() + "ms");
    env.put("MANAGER_GRPC_TIMEOUT", CALL_TIMEOUT.toMillis() + "ms");
    daemon = ManagerDaemon.start(new Env(env));
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", daemon.grpcPort())
            .usePlaintext()
            .maxInboundMessageSize(4 << 20)
            .build();
    client = ManagerServiceGrpc.newBlockingStub(channel);
    stateBefore = stateFiles();
  }

  @AfterAll
  static void stopManager() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    daemon.close();
  }

  @AfterEach
  void nothingLeftBehind() throws Exception {
    assertThat(daemon.lifecycle().listVms()).as("CVM records").isEmpty();
    assertThat(stateFiles()).as("files in the state directory").isEqualTo(stateBefore);
    assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).count())
        .as("child processes")
        .isZero();
    // still serving
    assertThat(stub().listVms(ListVmsReq.getDefaultInstance()).getCvmsCount()).isZero();
  }

  static List<Path> stateFiles() throws IOException {
    try (Stream<Path> files = Files.walk(tmp.resolve("state"))) {
      return files.sorted().toList();
    }
  }

  static ManagerServiceGrpc.ManagerServiceBlockingStub stub() {
    return client.withDeadlineAfter(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  static void assertShortOneLine(Status status) {
    String description = status.getDescription() == null ? "" : status.getDescription();
    assertThat(description.length())
        .as("message length of %s", status.getCode())
        .isLessThanOrEqualTo(MAX_MESSAGE);
    assertThat(description).doesNotContain("\n", "\r", "\u0000", "\u2028");
  }

  // ------------------------------------------------------------------ fields of every RPC

  /** A hostile value for one field, the call that carries it, and the code it must get. */
  record FieldCase(
      String name, Function<String, Runnable> call, String value, Status.Code expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static final String UUID_UNKNOWN = "0b5e6a8e-7c1f-4a39-9d1e-2c5f0b1a9e77";

  static Map<String, Function<String, Runnable>> idCalls() {
    return Map.of(
        "RemoveVm.cvm_id", id -> () -> stub().removeVm(RemoveReq.newBuilder().setCvmId(id).build()),
        "CVMInfo.id", id -> () -> stub().cVMInfo(CVMInfoReq.newBuilder().setId(id).build()),
        "AttestationPolicy.id",
            id ->
                () -> stub().attestationPolicy(AttestationPolicyReq.newBuilder().setId(id).build()),
        "StreamLogs.cvm_id",
            id ->
                () ->
                    drain(
                        stub()
                            .streamLogs(
                                StreamLogsReq.newBuilder().setCvmId(id).setTail(10).build())),
        "WatchEvents.cvm_id",
            id ->
                () -> drain(stub().watchEvents(WatchEventsReq.newBuilder().setCvmId(id).build())));
  }

  static void drain(Iterator<?> stream) {
    while (stream.hasNext()) {
      stream.next();
    }
  }

  static Stream<FieldCase> fieldCases() {
    List<FieldCase> cases = new ArrayList<>();
    Map<String, Status.Code> ids = new LinkedHashMap<>();
    ids.put("x".repeat(10_000), Status.Code.INVALID_ARGUMENT);
    ids.put("é".repeat(200_000), Status.Code.INVALID_ARGUMENT);
    ids.put(UUID_UNKNOWN + "0", Status.Code.INVALID_ARGUMENT);
    ids.put(UUID_UNKNOWN + "\n{\"level\":\"ERROR\"}", Status.Code.INVALID_ARGUMENT);
    ids.put("nope", Status.Code.NOT_FOUND);
    ids.put(UUID_UNKNOWN, Status.Code.NOT_FOUND);
    ids.put("a\u0000b", Status.Code.NOT_FOUND);
    ids.put("line\u2028break", Status.Code.NOT_FOUND);
    ids.put("../../etc/passwd", Status.Code.NOT_FOUND);
    idCalls()
        .forEach(
            (rpc, call) ->
                ids.forEach(
                    (id, code) ->
                        cases.add(new FieldCase(rpc + " " + describe(id), call, id, code))));

    Map<String, Function<String, CreateReq>> createFields =
        Map.of(
            "agent_log_level", v -> CreateReq.newBuilder().setAgentLogLevel(v).build(),
            "agent_cvm_server_url", v -> CreateReq.newBuilder().setAgentCvmServerUrl(v).build(),
            "agent_cvm_ca_url", v -> CreateReq.newBuilder().setAgentCvmCaUrl(v).build(),
            "ttl", v -> CreateReq.newBuilder().setTtl(v).build());
    List<String> badStrings =
        List.of(
            "x".repeat(500_000),
            "9".repeat(100_000),
            "info\nAGENT_CVM_ID=evil",
            "a\u0000b",
            "a\u2028b",
            "%s%n%x");
    createFields.forEach(
        (field, build) ->
            badStrings.forEach(
                v ->
                    cases.add(
                        new FieldCase(
                            "CreateVm." + field + " " + describe(v),
                            value -> () -> stub().createVm(build.apply(value)),
                            v,
                            Status.Code.INVALID_ARGUMENT))));
    Map<String, Function<String, CreateReq>> newFields =
        Map.of(
            "agent_certs_token", v -> CreateReq.newBuilder().setAgentCertsToken(v).build(),
            "aws_access_key_id",
                v -> CreateReq.newBuilder().setAwsAccessKeyId(v).setAwsSecretAccessKey("s").build(),
            "aws_secret_access_key",
                v -> CreateReq.newBuilder().setAwsAccessKeyId("k").setAwsSecretAccessKey(v).build(),
            "aws_endpoint_url", v -> CreateReq.newBuilder().setAwsEndpointUrl(v).build(),
            "aws_region", v -> CreateReq.newBuilder().setAwsRegion(v).build(),
            "aa_kbs_params", v -> CreateReq.newBuilder().setAaKbsParams(v).build());
    newFields.forEach(
        (field, build) ->
            List.of("x".repeat(300_000), "a\nb")
                .forEach(
                    v ->
                        cases.add(
                            new FieldCase(
                                "CreateVm." + field + " " + describe(v),
                                value -> () -> stub().createVm(build.apply(value)),
                                v,
                                Status.Code.INVALID_ARGUMENT))));
    // values that pass the length limit but not the field's check
    cases.add(
        new FieldCase(
            "CreateVm.ttl negative",
            v -> () -> stub().createVm(CreateReq.newBuilder().setTtl(v).build()),
            "-1h",
            Status.Code.INVALID_ARGUMENT));
    cases.add(
        new FieldCase(
            "CreateVm.ttl 64 digits",
            v -> () -> stub().createVm(CreateReq.newBuilder().setTtl(v).build()),
            "9".repeat(63) + "h",
            Status.Code.INVALID_ARGUMENT));
    cases.add(
        new FieldCase(
            "CreateVm.agent_cvm_ca_url ftp",
            v -> () -> stub().createVm(CreateReq.newBuilder().setAgentCvmCaUrl(v).build()),
            "ftp://x.example",
            Status.Code.INVALID_ARGUMENT));
    return cases.stream();
  }

  static String describe(String value) {
    String shown =
        value.length() > 24 ? value.substring(0, 12) + "…(" + value.length() + ")" : value;
    return shown.replaceAll("\\p{Cntrl}|\u2028", "?");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fieldCases")
  void aHostileFieldGetsItsCodeAndAShortMessage(FieldCase c) {
    StatusRuntimeException e =
        catchThrowableOfType(StatusRuntimeException.class, () -> c.call().apply(c.value()).run());
    assertThat(e).as("the call fails").isNotNull();
    assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(c.expected());
    assertShortOneLine(e.getStatus());
  }

  static Stream<Arguments> pemCases() {
    TestPki pki = new TestPki("hostile");
    TestPki.Identity id = pki.issue("x");
    byte[] big = new byte[64 * 1024 + 1];
    Arrays.fill(big, (byte) 'A');
    byte[] random = new byte[4096];
    new Random(11).nextBytes(random);
    return Stream.of(
        Arguments.of(
            "server CA too large",
            CreateReq.newBuilder().setAgentCvmServerCaCert(ByteString.copyFrom(big))),
        Arguments.of(
            "client key too large",
            CreateReq.newBuilder().setAgentCvmClientKey(ByteString.copyFrom(big))),
        Arguments.of(
            "client cert too large",
            CreateReq.newBuilder().setAgentCvmClientCert(ByteString.copyFrom(big))),
        Arguments.of(
            "server CA random bytes",
            CreateReq.newBuilder().setAgentCvmServerCaCert(ByteString.copyFrom(random))),
        Arguments.of(
            "client key random bytes",
            CreateReq.newBuilder()
                .setAgentCvmClientKey(ByteString.copyFrom(random))
                .setAgentCvmClientCert(ByteString.copyFrom(id.certBytes()))),
        Arguments.of(
            "a key where the CA goes",
            CreateReq.newBuilder().setAgentCvmServerCaCert(ByteString.copyFrom(id.keyBytes()))),
        Arguments.of(
            "a certificate where the key goes",
            CreateReq.newBuilder()
                .setAgentCvmClientKey(ByteString.copyFrom(id.certBytes()))
                .setAgentCvmClientCert(ByteString.copyFrom(id.certBytes()))),
        Arguments.of(
            "a key without its certificate",
            CreateReq.newBuilder().setAgentCvmClientKey(ByteString.copyFrom(id.keyBytes()))));
  }

  @ParameterizedTest(name = "CreateVm {0}")
  @MethodSource("pemCases")
  void aHostilePemFieldIsRefusedWithoutQuotingIt(String name, CreateReq.Builder request) {
    StatusRuntimeException e =
        catchThrowableOfType(StatusRuntimeException.class, () -> stub().createVm(request.build()));
    assertThat(e).isNotNull();
    assertThat(e.getStatus().getCode())
        .as(e.getStatus().toString())
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertShortOneLine(e.getStatus());
    assertThat(e.getStatus().getDescription()).doesNotContain("AAAA", "PRIVATE KEY");
  }

  // ------------------------------------------------------------------ bytes that do not parse

  record Rpc(String name, MethodDescriptor.MethodType type) {
    @Override
    public String toString() {
      return name;
    }
  }

  static final List<Rpc> RPCS =
      List.of(
          new Rpc("CreateVm", MethodDescriptor.MethodType.UNARY),
          new Rpc("RemoveVm", MethodDescriptor.MethodType.UNARY),
          new Rpc("CVMInfo", MethodDescriptor.MethodType.UNARY),
          new Rpc("AttestationPolicy", MethodDescriptor.MethodType.UNARY),
          new Rpc("ListVms", MethodDescriptor.MethodType.UNARY),
          new Rpc("HostInfo", MethodDescriptor.MethodType.UNARY),
          new Rpc("StreamLogs", MethodDescriptor.MethodType.SERVER_STREAMING),
          new Rpc("WatchEvents", MethodDescriptor.MethodType.SERVER_STREAMING));

  static Stream<Arguments> malformedCases() {
    Map<String, byte[]> payloads = new LinkedHashMap<>();
    payloads.put("truncated length-delimited field", new byte[] {0x0a, 0x0a, 'a', 'b', 'c'});
    payloads.put("invalid UTF-8 in field 1", new byte[] {0x0a, 0x02, (byte) 0xc3, 0x28});
    payloads.put("11-byte varint", new byte[] {0x08, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0x01});
    payloads.put("end-group tag without a group", new byte[] {0x0c});
    payloads.put("wire type 7", new byte[] {0x0f, 0x01});
    payloads.put("random bytes", randomInvalid());
    List<Arguments> cases = new ArrayList<>();
    for (Rpc rpc : RPCS) {
      payloads.forEach(
          (name, bytes) -> {
            // ListVmsReq and HostInfoReq have no fields: an invalid string in field 1 is an unknown
            // field there, and valid
            boolean noFields = rpc.name().equals("ListVms") || rpc.name().equals("HostInfo");
            if (!(noFields && name.startsWith("invalid UTF-8"))) {
              cases.add(Arguments.of(rpc, name, bytes));
            }
          });
    }
    return cases.stream();
  }

  /**
   * Fixed "random" bytes (seeded) that start with a tag of wire type 6, which no message accepts.
   */
  static byte[] randomInvalid() {
    byte[] bytes = new byte[256];
    new Random(42).nextBytes(bytes);
    bytes[0] = 0x0e;
    return bytes;
  }

  static MethodDescriptor<byte[], byte[]> rawMethod(Rpc rpc) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(rpc.type())
        .setFullMethodName(
            MethodDescriptor.generateFullMethodName("manager.ManagerService", rpc.name()))
        .setRequestMarshaller(RawBytesMarshaller.INSTANCE)
        .setResponseMarshaller(RawBytesMarshaller.INSTANCE)
        .build();
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("malformedCases")
  void requestBytesThatDoNotParseGetInvalidArgument(Rpc rpc, String name, byte[] payload) {
    CallOptions options =
        CallOptions.DEFAULT.withDeadlineAfter(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () -> {
              if (rpc.type() == MethodDescriptor.MethodType.UNARY) {
                ClientCalls.blockingUnaryCall(channel, rawMethod(rpc), options, payload);
              } else {
                drain(
                    ClientCalls.blockingServerStreamingCall(
                        channel, rawMethod(rpc), options, payload));
              }
            });
    assertThat(e).isNotNull();
    assertThat(e.getStatus().getCode())
        .as(e.getStatus().toString())
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription())
        .startsWith("the " + rpc.name() + " request does not parse: ");
    assertShortOneLine(e.getStatus());
  }

  @Test
  void aMessageOverTheServersLimitIsRefusedBeforeItIsRead() {
    byte[] big = new byte[2 << 20];
    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                stub()
                    .createVm(
                        CreateReq.newBuilder()
                            .setAgentCvmServerCaCert(ByteString.copyFrom(big))
                            .build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertShortOneLine(e.getStatus());
  }

  @Test
  void metadataOverTheServersLimitIsRefused() {
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("x-padding", Metadata.ASCII_STRING_MARSHALLER), "p".repeat(32 * 1024));
    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                stub()
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                    .listVms(ListVmsReq.getDefaultInstance()));
    assertThat(e).isNotNull();
    assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isNotEqualTo(Status.Code.OK);
    assertShortOneLine(e.getStatus());
  }

  @Test
  void theLongestAcceptedTtlIsAcceptedAndItsCvmRemoved() {
    // 64 characters: the limit; the request passes validation (and the fake QEMU starts)
    String ttl = "0".repeat(61) + "90s";
    var created = stub().createVm(CreateReq.newBuilder().setTtl(ttl).build());
    stub().removeVm(RemoveReq.newBuilder().setCvmId(created.getCvmId()).build());
    await().atMost(WAIT).until(() -> daemon.lifecycle().listVms().isEmpty());
    await()
        .atMost(WAIT)
        .until(() -> ProcessHandle.current().children().noneMatch(ProcessHandle::isAlive));
  }

  // ------------------------------------------------------------------ the ports

  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(WAIT).build();

  static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.httpPort() + path))
            .timeout(WAIT)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static Socket connect(int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), (int) WAIT.toMillis());
    s.setSoTimeout((int) WAIT.toMillis());
    return s;
  }

  /** Reads until the server closes the connection (read returns -1) or WAIT passes (a failure). */
  static String readUntilClosed(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    int n;
    try {
      while ((n = in.read(buf)) >= 0) {
        got.write(buf, 0, n);
      }
    } catch (SocketException reset) {
      // a reset is a close too
    }
    return got.toString(StandardCharsets.ISO_8859_1);
  }

  /**
   * How long the server took to close the connection (read returned -1 or a reset); a connection
   * still open after WAIT fails with a SocketTimeoutException.
   */
  static Duration closedByTheServer(Socket s) throws IOException {
    long start = System.nanoTime();
    readUntilClosed(s);
    return Duration.ofNanos(System.nanoTime() - start);
  }

  @Test
  void httpSlowClientsNeverFinishingTheirHeadersDoNotStopProbesAndAreDisconnected()
      throws Exception {
    List<Socket> slow = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Socket s = connect(daemon.httpPort());
      s.getOutputStream()
          .write("GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      slow.add(s);
    }
    HttpResponse<String> health = get("/health");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(get("/metrics").statusCode()).isEqualTo(200);
    for (Socket s : slow) {
      try (s) {
        assertThat(readUntilClosed(s)).as("closed without an answer").isEmpty();
      }
    }
  }

  @Test
  void httpAnIdleConnectionIsClosed() throws Exception {
    try (Socket s = connect(daemon.httpPort())) {
      assertThat(readUntilClosed(s)).isEmpty();
    }
  }

  @Test
  void httpAClientDrippingOneByteAtATimeIsCutOffAtTheRequestTimeout() throws Exception {
    try (Socket s = connect(daemon.httpPort())) {
      s.setSoTimeout(100); // paces the drip: one byte per read that times out
      long start = System.nanoTime();
      boolean closed = false;
      while (!closed && Duration.ofNanos(System.nanoTime() - start).compareTo(WAIT) < 0) {
        try {
          s.getOutputStream().write('G');
          s.getOutputStream().flush();
          closed = s.getInputStream().read() < 0;
        } catch (SocketTimeoutException stillOpen) {
          // next byte
        } catch (SocketException reset) {
          closed = true;
        }
      }
      assertThat(closed).as("the server closed the connection").isTrue();
    }
  }

  static Stream<Arguments> httpRequests() {
    return Stream.of(
        Arguments.of(
            "header of 16 KiB",
            "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "h".repeat(16 * 1024) + "\r\n\r\n",
            List.of(400, 431)),
        Arguments.of(
            "request line of 8 KiB",
            "GET /" + "u".repeat(8 * 1024) + " HTTP/1.1\r\nHost: x\r\n\r\n",
            List.of(400, 414)),
        Arguments.of(
            "POST", "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", List.of(405)),
        Arguments.of(
            "body over 64 KiB",
            "POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n",
            List.of(413)),
        Arguments.of("unknown path", "GET /admin HTTP/1.1\r\nHost: x\r\n\r\n", List.of(404)),
        Arguments.of(
            "not HTTP",
            "\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003 garbage\r\n\r\n",
            List.of(400)),
        Arguments.of(
            "path with a NUL",
            "GET /health\u0000x HTTP/1.1\r\nHost: x\r\n\r\n",
            List.of(400, 404)));
  }

  @ParameterizedTest(name = "HTTP {0}")
  @MethodSource("httpRequests")
  void httpHostileRequestsGetAShortAnswerAndTheConnectionCloses(
      String name, String request, List<Integer> codes) throws Exception {
    try (Socket s = connect(daemon.httpPort())) {
      try {
        s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
      } catch (SocketException closedEarly) {
        // the server may refuse before all of it is sent
      }
      String answer = readUntilClosed(s);
      assertThat(answer).startsWith("HTTP/1.1 ");
      assertThat(Integer.parseInt(answer.substring(9, 12))).isIn(codes);
      assertThat(answer.length()).isLessThanOrEqualTo(MAX_MESSAGE);
    }
    assertThat(get("/health/live").statusCode()).isEqualTo(200);
  }

  @Test
  void httpConnectionsBeyondTheBoundAreClosedAndProbesAnswerOnceTheyGo() throws Exception {
    List<Socket> idle = new ArrayList<>();
    try {
      for (int i = 0; i < 140; i++) {
        idle.add(connect(daemon.httpPort()));
      }
      // all of them, over the bound or not, are gone within the request timeout
      for (Socket s : idle) {
        assertThat(readUntilClosed(s)).isEmpty();
      }
      assertThat(get("/health").statusCode()).isEqualTo(200);
    } finally {
      for (Socket s : idle) {
        s.close();
      }
    }
  }

  @Test
  void grpcAConnectionThatNeverSendsThePrefaceIsClosed() throws Exception {
    try (Socket s = connect(daemon.grpcPort())) {
      assertThat(closedByTheServer(s))
          .as("closed by the server's handshake timeout, before the client's own")
          .isLessThan(WAIT);
    }
  }

  @Test
  void grpcASlowClientStuckInThePrefaceIsClosed() throws Exception {
    try (Socket s = connect(daemon.grpcPort())) {
      s.getOutputStream().write("PRI * HTTP/2.0\r\n".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      assertThat(closedByTheServer(s))
          .as("closed by the server's handshake timeout, before the client's own")
          .isLessThan(WAIT);
    }
  }

  @Test
  void grpcAnIdleConnectionIsClosedByTheServer() throws Exception {
    ManagedChannel idle =
        NettyChannelBuilder.forAddress("127.0.0.1", daemon.grpcPort())
            .usePlaintext()
            .idleTimeout(1, TimeUnit.DAYS)
            .build();
    try {
      ManagerServiceGrpc.newBlockingStub(idle)
          .withDeadlineAfter(WAIT.toMillis(), TimeUnit.MILLISECONDS)
          .listVms(ListVmsReq.getDefaultInstance());
      assertThat(idle.getState(false)).isEqualTo(ConnectivityState.READY);
      // the server's GOAWAY takes the channel out of READY although the client would keep it a day
      await().atMost(WAIT).until(() -> idle.getState(false) != ConnectivityState.READY);
    } finally {
      idle.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void grpcGarbageInsteadOfHttp2IsClosed() throws Exception {
    try (Socket s = connect(daemon.grpcPort())) {
      s.getOutputStream()
          .write(
              ("GET / HTTP/1.1\r\nHost: x\r\n\r\n" + "z".repeat(10_000))
                  .getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      assertThat(closedByTheServer(s)).as("closed by the server").isLessThan(WAIT);
    }
  }

  @Test
  void grpcACallWhoseRequestNeverComesIsEndedByTheCallTimeout() throws Exception {
    // headers sent, the message never: the unary deadline (MANAGER_GRPC_TIMEOUT) ends the call
    var call = channel.newCall(rawMethod(RPCS.get(0)), CallOptions.DEFAULT);
    List<Status> closed = new CopyOnWriteArrayList<>();
    call.start(
        new ClientCall.Listener<>() {
          @Override
          public void onClose(Status status, Metadata trailers) {
            closed.add(status);
          }
        },
        new Metadata());
    call.request(1);
    assertThat(stub().listVms(ListVmsReq.getDefaultInstance()).getCvmsCount())
        .as("others are served meanwhile")
        .isZero();
    await().atMost(CALL_TIMEOUT.plus(WAIT)).until(() -> !closed.isEmpty());
    assertThat(closed.get(0).getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertShortOneLine(closed.get(0));
  }

  @Test
  void everyLimitIsWhatTheApiDocsTableSays() throws IOException {
    String readme = Files.readString(Path.of("../docs/api.md"));
    assertThat(readme)
        .contains(
            "`WatchEventsReq.cvm_id`) | " + RequestLimits.CVM_ID + " characters (a UUID)",
            "| `agent_log_level` | " + RequestLimits.LOG_LEVEL + " characters |",
            "| `agent_cvm_server_url`, `agent_cvm_ca_url` | "
                + RequestLimits.URL
                + " characters each |",
            "| `ttl` | " + RequestLimits.TTL + " characters (",
            "`agent_cvm_client_key`) | " + RequestLimits.PEM + " bytes each |",
            "| CMS `request_id` | " + RequestLimits.REQUEST_ID + " characters |",
            "| `agent_certs_token` | " + RequestLimits.TOKEN + " characters |",
            "| `aws_access_key_id`, `aws_secret_access_key` | "
                + RequestLimits.CREDENTIAL
                + " characters each |",
            "| `aws_region` | " + RequestLimits.REGION + " characters |",
            "| a whole request message | " + (GrpcServer.MAX_MESSAGE_BYTES >> 20) + " MiB");
    assertThat(UUID.fromString(UUID_UNKNOWN).toString()).hasSize(RequestLimits.CVM_ID);
  }
}
