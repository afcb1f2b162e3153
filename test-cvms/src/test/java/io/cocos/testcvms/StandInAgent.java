package io.cocos.testcvms;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.cocos.agent.api.AgentServiceGrpc;
import io.cocos.agent.api.AlgoRequest;
import io.cocos.agent.api.AlgoResponse;
import io.cocos.agent.api.AttestationRequest;
import io.cocos.agent.api.AttestationResponse;
import io.cocos.agent.api.AttestationTokenRequest;
import io.cocos.agent.api.AttestationTokenResponse;
import io.cocos.agent.api.DataRequest;
import io.cocos.agent.api.DataResponse;
import io.cocos.agent.api.ResultRequest;
import io.cocos.agent.api.ResultResponse;
import io.cocos.agent.cvms.AgentEvent;
import io.cocos.agent.cvms.AgentLog;
import io.cocos.agent.cvms.ClientStreamMessage;
import io.cocos.agent.cvms.ComputationRunReq;
import io.cocos.agent.cvms.Dataset;
import io.cocos.agent.cvms.RunResponse;
import io.cocos.agent.cvms.ServerStreamMessage;
import io.cocos.agent.cvms.ServiceGrpc;
import io.cocos.cli.agent.UserKeys;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import io.netty.handler.ssl.SslContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * A stand-in for the agent in a CVM, for the tests (the test guest has no real agent). Like
 * upstream's agent it dials the CVMS and reads the manifest from runReqChunks; then serves the
 * agent API on an ephemeral port (upstream: agent_config.port), where it
 *
 * <ul>
 *   <li>checks the caller's signature of the method's role (algorithm-provider, data-provider,
 *       consumer) against the manifest's user keys for that role (agent/auth): UNAUTHENTICATED
 *       "signature verification failed" otherwise;
 *   <li>takes the algorithm and each dataset only if its SHA3-256 is the manifest's (agent's
 *       "malformed data, hash does not match manifest"), each dataset once;
 *   <li>once it has all of them, runs the algorithm in a working directory holding datasets/ (a
 *       binary, or with algo_type python through the python_runtime given), with the algo_args, and
 *       serves results/ as a zip, as upstream's agent does.
 * </ul>
 *
 * Events, logs and the run response go back to the CVMS on the same stream.
 */
final class StandInAgent implements AutoCloseable {
  private static final BouncyCastleProvider BC = new BouncyCastleProvider();
  private static final int MAX_UPLOAD = 16 << 20;
  private static final Context.Key<Metadata> HEADERS = Context.key("headers");
  private static final Metadata.Key<String> SIGNATURE =
      Metadata.Key.of("signature", Metadata.ASCII_STRING_MARSHALLER);

  private final ManagedChannel cvmsChannel;
  private final Path workDir;
  private final CompletableFuture<ComputationRunReq> manifest = new CompletableFuture<>();
  private final CompletableFuture<byte[]> result = new CompletableFuture<>();
  private final List<Dataset> pendingDatasets = new ArrayList<>();
  private volatile StreamObserver<ClientStreamMessage> toCvms;
  private Server server;
  private byte[] algorithm;
  private byte[] requirements;
  private Metadata algoHeaders;
  private int datasetsReceived;
  private volatile Metadata lastDataHeaders;

  private final SslContext apiTls;

  private StandInAgent(ManagedChannel cvmsChannel, Path workDir, SslContext apiTls) {
    this.cvmsChannel = cvmsChannel;
    this.workDir = workDir;
    this.apiTls = apiTls;
  }

  /** Dials the CVMS at host:port (plain, or as configured), as the agent does at boot. */
  static StandInAgent dial(
      String cvmsTarget, UnaryOperator<NettyChannelBuilder> transport, Path workDir) {
    return dial(cvmsTarget, transport, workDir, null);
  }

  /**
   * @param apiTls how the agent API is served (TLS or mTLS, as agent_config would ask); null: plain
   */
  static StandInAgent dial(
      String cvmsTarget,
      UnaryOperator<NettyChannelBuilder> transport,
      Path workDir,
      SslContext apiTls) {
    StandInAgent agent =
        new StandInAgent(
            transport.apply(NettyChannelBuilder.forTarget(cvmsTarget)).build(), workDir, apiTls);
    agent.toCvms =
        ServiceGrpc.newStub(agent.cvmsChannel)
            .process(
                new StreamObserver<>() {
                  private final ByteArrayOutputStream chunks = new ByteArrayOutputStream();

                  @Override
                  public void onNext(ServerStreamMessage m) {
                    if (!m.hasRunReqChunks()) {
                      return;
                    }
                    chunks.writeBytes(m.getRunReqChunks().getData().toByteArray());
                    if (m.getRunReqChunks().getIsLast()) {
                      agent.manifestReceived(chunks.toByteArray());
                    }
                  }

                  @Override
                  public void onError(Throwable t) {
                    agent.manifest.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    agent.manifest.completeExceptionally(
                        new IllegalStateException("the CVMS ended the stream"));
                  }
                });
    return agent;
  }

  static StandInAgent dialPlain(String cvmsTarget, Path workDir) {
    return dial(cvmsTarget, NettyChannelBuilder::usePlaintext, workDir);
  }

  CompletableFuture<ComputationRunReq> manifest() {
    return manifest;
  }

  /** The requirements file that came with the algorithm (empty if none). */
  synchronized byte[] requirements() {
    return requirements == null ? new byte[0] : requirements.clone();
  }

  /** The metadata of the last dataset upload. */
  Metadata lastDataHeaders() {
    return lastDataHeaders;
  }

  /** The agent API's port, once the manifest has come. */
  int port() {
    return server.getPort();
  }

  private void manifestReceived(byte[] bytes) {
    try {
      ComputationRunReq req = ComputationRunReq.parseFrom(bytes);
      synchronized (this) {
        pendingDatasets.addAll(req.getDatasetsList());
      }
      HealthStatusManager health = new HealthStatusManager();
      health.setStatus("agent", HealthCheckResponse.ServingStatus.SERVING);
      NettyServerBuilder builder =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
              .maxInboundMessageSize(8 << 20)
              .addService(health.getHealthService())
              .addService(ServerInterceptors.intercept(new Api(req), new HeadersInterceptor()));
      if (apiTls != null) {
        builder.sslContext(apiTls);
      }
      server = builder.build().start();
      event("receive manifest", req.getId(), "ready");
      manifest.complete(req);
    } catch (IOException e) {
      manifest.completeExceptionally(e);
    }
  }

  private void event(String type, String computationId, String status) {
    Instant now = Instant.now();
    Timestamp ts =
        Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()).build();
    send(
        ClientStreamMessage.newBuilder()
            .setAgentEvent(
                AgentEvent.newBuilder()
                    .setEventType(type)
                    .setTimestamp(ts)
                    .setComputationId(computationId)
                    .setOriginator("agent")
                    .setStatus(status))
            .build());
  }

  void log(String message, String computationId) {
    send(
        ClientStreamMessage.newBuilder()
            .setAgentLog(
                AgentLog.newBuilder()
                    .setMessage(message)
                    .setComputationId(computationId)
                    .setLevel("INFO"))
            .build());
  }

  private synchronized void send(ClientStreamMessage message) {
    toCvms.onNext(message);
  }

  @Override
  public void close() throws InterruptedException {
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    try {
      toCvms.onCompleted();
    } catch (IllegalStateException e) {
      // the stream has already ended
    }
    cvmsChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  // ---------------------------------------------------------------- the agent API

  private static final class HeadersInterceptor implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      return Contexts.interceptCall(
          Context.current().withValue(HEADERS, headers), call, headers, next);
    }
  }

  /** Whether the call's signature of role verifies against one of these DER public keys. */
  static boolean verifies(Metadata headers, String role, List<ByteString> keys) {
    Iterable<String> signatures = headers.getAll(SIGNATURE);
    if (signatures == null) {
      return false;
    }
    List<String> list = new ArrayList<>();
    signatures.forEach(list::add);
    if (list.size() != 1) { // upstream: exactly one, else "invalid metadata"
      return false;
    }
    byte[] signature;
    try {
      signature = Base64.getDecoder().decode(list.get(0));
    } catch (IllegalArgumentException e) {
      return false;
    }
    for (ByteString der : keys) {
      try {
        PublicKey key =
            new JcaPEMKeyConverter()
                .setProvider(BC)
                .getPublicKey(SubjectPublicKeyInfo.getInstance(der.toByteArray()));
        Signature verifier = Signature.getInstance(UserKeys.algorithm(key), BC);
        verifier.initVerify(key);
        verifier.update(role.getBytes(StandardCharsets.UTF_8));
        if (verifier.verify(signature)) {
          return true;
        }
      } catch (GeneralSecurityException | IOException | RuntimeException e) {
        // not this key
      }
    }
    return false;
  }

  private static StatusRuntimeException unauthenticated() {
    return Status.UNAUTHENTICATED
        .withDescription("signature verification failed")
        .asRuntimeException();
  }

  private static StatusRuntimeException hashMismatch() {
    return Status.INVALID_ARGUMENT
        .withDescription("malformed data, hash does not match manifest")
        .asRuntimeException();
  }

  private final class Api extends AgentServiceGrpc.AgentServiceImplBase {
    private final ComputationRunReq req;

    Api(ComputationRunReq req) {
      this.req = req;
    }

    @Override
    public StreamObserver<AlgoRequest> algo(StreamObserver<AlgoResponse> response) {
      Metadata headers = HEADERS.get();
      if (!verifies(headers, "algorithm-provider", List.of(req.getAlgorithm().getUserKey()))) {
        response.onError(unauthenticated());
        return new Discard<>();
      }
      ByteArrayOutputStream algo = new ByteArrayOutputStream();
      ByteArrayOutputStream reqs = new ByteArrayOutputStream();
      return new Collect<>(response) {
        @Override
        boolean take(AlgoRequest m) {
          algo.writeBytes(m.getAlgorithm().toByteArray());
          reqs.writeBytes(m.getRequirements().toByteArray());
          return algo.size() + reqs.size() <= MAX_UPLOAD;
        }

        @Override
        void done() {
          byte[] bytes = algo.toByteArray();
          if (!ByteString.copyFrom(Checksums.sha3(bytes)).equals(req.getAlgorithm().getHash())) {
            throw hashMismatch();
          }
          synchronized (StandInAgent.this) {
            if (algorithm != null) {
              throw Status.FAILED_PRECONDITION
                  .withDescription("all expected manifest Items have been received")
                  .asRuntimeException();
            }
            algorithm = bytes;
            requirements = reqs.toByteArray();
            algoHeaders = headers;
          }
          log("algorithm received", req.getId());
          response.onNext(AlgoResponse.getDefaultInstance());
          runWhenReady(req);
        }
      };
    }

    @Override
    public StreamObserver<DataRequest> data(StreamObserver<DataResponse> response) {
      List<ByteString> keys = req.getDatasetsList().stream().map(Dataset::getUserKey).toList();
      lastDataHeaders = HEADERS.get();
      if (!verifies(HEADERS.get(), "data-provider", keys)) {
        response.onError(unauthenticated());
        return new Discard<>();
      }
      ByteArrayOutputStream data = new ByteArrayOutputStream();
      String[] filename = {""};
      return new Collect<>(response) {
        @Override
        boolean take(DataRequest m) {
          data.writeBytes(m.getDataset().toByteArray());
          filename[0] = m.getFilename();
          return data.size() <= MAX_UPLOAD;
        }

        @Override
        void done() throws IOException {
          ByteString hash = ByteString.copyFrom(Checksums.sha3(data.toByteArray()));
          Dataset match;
          synchronized (StandInAgent.this) {
            match =
                pendingDatasets.stream()
                    .filter(d -> d.getHash().equals(hash))
                    .findFirst()
                    .orElse(null);
            if (match == null) {
              throw hashMismatch();
            }
            if (!match.getFilename().isEmpty() && !match.getFilename().equals(filename[0])) {
              throw Status.INVALID_ARGUMENT
                  .withDescription("malformed data, filename does not match manifest")
                  .asRuntimeException();
            }
            pendingDatasets.remove(match);
            datasetsReceived++;
          }
          Path dir = Files.createDirectories(workDir.resolve("datasets"));
          Files.write(dir.resolve(Path.of(filename[0]).getFileName()), data.toByteArray());
          log("dataset received: " + filename[0], req.getId());
          response.onNext(DataResponse.getDefaultInstance());
          runWhenReady(req);
        }
      };
    }

    @Override
    public void result(ResultRequest request, StreamObserver<ResultResponse> response) {
      List<ByteString> keys =
          req.getResultConsumersList().stream().map(c -> c.getUserKey()).toList();
      if (!verifies(HEADERS.get(), "consumer", keys)) {
        response.onError(unauthenticated());
        return;
      }
      if (!result.isDone()) {
        response.onError(
            Status.FAILED_PRECONDITION
                .withDescription("computation results are not yet ready")
                .asRuntimeException());
        return;
      }
      byte[] zip = result.join();
      for (int off = 0; off < zip.length; off += 1 << 20) {
        int n = Math.min(1 << 20, zip.length - off);
        response.onNext(
            ResultResponse.newBuilder().setFile(ByteString.copyFrom(zip, off, n)).build());
      }
      response.onCompleted();
      event("results consumed", req.getId(), "completed");
    }

    @Override
    public void attestation(AttestationRequest request, StreamObserver<AttestationResponse> out) {
      byte[] report =
          fakeReport(request.getType(), request.getTeeNonce(), request.getVtpmNonce())
              .getBytes(StandardCharsets.UTF_8);
      out.onNext(AttestationResponse.newBuilder().setFile(ByteString.copyFrom(report)).build());
      out.onCompleted();
    }

    @Override
    public void azureAttestationToken(
        AttestationTokenRequest request, StreamObserver<AttestationTokenResponse> out) {
      out.onError(
          Status.FAILED_PRECONDITION
              .withDescription("failed to get azure token")
              .asRuntimeException());
    }
  }

  /**
   * What the stand-in answers for an attestation: no TEE here, so a text naming the request
   * (upstream's agent sends the TEE's binary report).
   */
  static String fakeReport(int type, ByteString teeNonce, ByteString vtpmNonce) {
    HexFormat hex = HexFormat.of();
    return "stand-in report type="
        + type
        + " tee="
        + hex.formatHex(teeNonce.toByteArray())
        + " vtpm="
        + hex.formatHex(vtpmNonce.toByteArray());
  }

  /** Reads an upload to its end, then checks it; bad input ends the call with its status. */
  private abstract static class Collect<Q, R> implements StreamObserver<Q> {
    private final StreamObserver<R> response;
    private boolean failed;

    Collect(StreamObserver<R> response) {
      this.response = response;
    }

    abstract boolean take(Q message);

    abstract void done() throws IOException;

    @Override
    public void onNext(Q message) {
      if (!failed && !take(message)) {
        failed = true;
        response.onError(
            Status.RESOURCE_EXHAUSTED.withDescription("upload too large").asRuntimeException());
      }
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {
      if (failed) {
        return;
      }
      try {
        done();
        response.onCompleted();
      } catch (StatusRuntimeException e) {
        response.onError(e);
      } catch (IOException e) {
        response.onError(Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
      }
    }
  }

  private static final class Discard<Q> implements StreamObserver<Q> {
    @Override
    public void onNext(Q value) {}

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }

  // ---------------------------------------------------------------- running the computation

  private void runWhenReady(ComputationRunReq req) {
    Metadata headers;
    synchronized (this) {
      if (algorithm == null || datasetsReceived < req.getDatasetsCount() || result.isDone()) {
        return;
      }
      headers = algoHeaders;
    }
    event("running", req.getId(), "in-progress");
    String error = "";
    try {
      result.complete(run(headers));
      event("running", req.getId(), "completed");
    } catch (IOException | InterruptedException | RuntimeException e) {
      error = e.getMessage() == null ? e.toString() : e.getMessage();
      result.completeExceptionally(e);
      event("running", req.getId(), "failed");
    }
    send(
        ClientStreamMessage.newBuilder()
            .setRunRes(RunResponse.newBuilder().setComputationId(req.getId()).setError(error))
            .build());
  }

  private byte[] run(Metadata headers) throws IOException, InterruptedException {
    String type = first(headers, "algo_type", "bin");
    String runtime = first(headers, "python_runtime", "python3");
    List<String> command = new ArrayList<>();
    Files.createDirectories(workDir.resolve("datasets"));
    Files.createDirectories(workDir.resolve("results"));
    if (type.equals("python")) {
      Path script = workDir.resolve("algo.py");
      Files.write(script, algorithm);
      command.add(runtime);
      command.add(script.toString());
    } else if (type.equals("bin")) {
      Path binary = workDir.resolve("algo");
      Files.write(binary, algorithm);
      if (!binary.toFile().setExecutable(true)) {
        throw new IOException("cannot make the algorithm executable");
      }
      command.add(binary.toString());
    } else {
      throw new IOException("algorithm type " + type + " is not run by the stand-in agent");
    }
    Iterable<String> args =
        headers.getAll(Metadata.Key.of("algo_args", Metadata.ASCII_STRING_MARSHALLER));
    if (args != null) {
      args.forEach(command::add);
    }
    Process p =
        new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(workDir.resolve("algo.log").toFile())
            .start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      throw new IOException("the algorithm did not finish within 30 s");
    }
    if (p.exitValue() != 0) {
      throw new IOException(
          "algorithm exited with "
              + p.exitValue()
              + ": "
              + Files.readString(workDir.resolve("algo.log")));
    }
    return zip(workDir.resolve("results"));
  }

  private static String first(Metadata headers, String name, String fallback) {
    String v = headers.get(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER));
    return v == null || v.isEmpty() ? fallback : v;
  }

  private static byte[] zip(Path dir) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes);
        Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        zip.putNextEntry(new ZipEntry(dir.relativize(f).toString()));
        Files.copy(f, (OutputStream) zip);
        zip.closeEntry();
      }
    }
    return bytes.toByteArray();
  }
}
