package io.cocos.testcvms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cocos.agent.cvms.ComputationRunReq;
import io.cocos.manager.core.testing.TestPki;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test CVMS server against agents that misbehave, and over TLS and mTLS: a bad agent ends its
 * own stream only.
 */
class HostileAgentTest {
  private static final MethodDescriptor.Marshaller<byte[]> RAW =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        }
      };
  private static final MethodDescriptor<byte[], byte[]> PROCESS =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
          .setFullMethodName("cvms.Service/Process")
          .setRequestMarshaller(RAW)
          .setResponseMarshaller(RAW)
          .build();

  private static final int FLOOD = 5_000;

  @TempDir Path dir;

  @Test
  void garbageOrAHugeMessageEndsOnlyThatAgentsStream() throws Exception {
    try (Walkthrough w = walkthrough()) {
      ManagedChannel raw = rawChannel(w);
      try {
        // field 1 with wire type 7, which does not exist: not a ClientStreamMessage
        assertThat(sendAndAwaitEnd(raw, new byte[] {0x0f, 1, 2, 3}).getCode())
            .isNotEqualTo(Status.Code.OK);
        byte[] huge = new byte[CvmsServer.MAX_MESSAGE_BYTES + 1];
        Arrays.fill(huge, (byte) 'a');
        huge[0] = 0x0a; // agent_log, length-delimited (its length varint is wrong: never read)
        assertThat(sendAndAwaitEnd(raw, huge).getCode())
            .isIn(Status.Code.RESOURCE_EXHAUSTED, Status.Code.CANCELLED, Status.Code.UNAVAILABLE);
      } finally {
        raw.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      // the well-behaved agent's stream is still open and still logged
      w.agent.log("still here", "1");
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () -> assertThat(w.cvmsLog()).contains("\"agent_log\":{\"message\":\"still here\""));
      // and a new agent still gets its manifest
      try (StandInAgent second =
          StandInAgent.dialPlain(
              "127.0.0.1:" + w.cvms.port(), Files.createDirectories(dir.resolve("a2")))) {
        assertThat(second.manifest().get(10, TimeUnit.SECONDS).getId()).isEqualTo("1");
      }
    }
  }

  @Test
  void aFloodOfMessagesIsLoggedInTurnWhileOtherAgentsAreServed() throws Exception {
    try (Walkthrough w = walkthrough()) {
      ManagedChannel raw = rawChannel(w);
      try {
        byte[] log =
            io.cocos.agent.cvms.ClientStreamMessage.newBuilder()
                .setAgentLog(
                    io.cocos.agent.cvms.AgentLog.newBuilder().setMessage("flood").setLevel("INFO"))
                .build()
                .toByteArray();
        CompletableFuture<Status> end = new CompletableFuture<>();
        io.grpc.stub.ClientCallStreamObserver<byte[]> flood =
            (io.grpc.stub.ClientCallStreamObserver<byte[]>)
                ClientCalls.asyncBidiStreamingCall(
                    raw.newCall(PROCESS, CallOptions.DEFAULT), ending(end));
        int sent = 0;
        while (sent < FLOOD) {
          flood.onNext(log);
          sent++;
        }
        flood.onCompleted();
        // while the server works through the flood, another agent is served
        try (StandInAgent second =
            StandInAgent.dialPlain(
                "127.0.0.1:" + w.cvms.port(), Files.createDirectories(dir.resolve("a2")))) {
          assertThat(second.manifest().get(10, TimeUnit.SECONDS).getId()).isEqualTo("1");
        }
        assertThat(end.get(20, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
        assertThat(w.cvmsLog().split("\"message\":\\{\"agent_log\":\\{\"message\":\"flood\"", -1))
            .hasSize(FLOOD + 1);
      } finally {
        raw.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  private static StreamObserver<byte[]> ending(CompletableFuture<Status> end) {
    return new StreamObserver<>() {
      @Override
      public void onNext(byte[] value) {}

      @Override
      public void onError(Throwable t) {
        end.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        end.complete(Status.OK);
      }
    };
  }

  /** The test CVMS server with one well-behaved agent connected. */
  private Walkthrough walkthrough() throws Exception {
    Path keys = Walkthrough.keys(dir, "ed25519");
    Path algo = Files.writeString(dir.resolve("algo"), "x");
    return new Walkthrough(dir, Walkthrough.flags(algo, keys.resolve("public.pem")));
  }

  private static ManagedChannel rawChannel(Walkthrough w) {
    return NettyChannelBuilder.forTarget("127.0.0.1:" + w.cvms.port()).usePlaintext().build();
  }

  /** Sends one raw message on a new Process stream; the status it ends with. */
  private static Status sendAndAwaitEnd(ManagedChannel channel, byte[] message)
      throws InterruptedException, TimeoutException {
    CompletableFuture<Status> end = new CompletableFuture<>();
    StreamObserver<byte[]> out =
        ClientCalls.asyncBidiStreamingCall(
            channel.newCall(PROCESS, CallOptions.DEFAULT), ending(end));
    out.onNext(message);
    try {
      return end.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void tlsAndMutualTlsFromTheServerVariables() throws Exception {
    TestPki pki = new TestPki("cvms-test-ca");
    pki.issue("localhost").writeTo(dir, "server");
    TestPki.Identity client = pki.issue("agent");
    client.writeTo(dir, "agent");
    Path ca = pki.writeCa(dir.resolve("ca.pem"));
    Path keys = Walkthrough.keys(dir, "ed25519");
    Path algo = Files.writeString(dir.resolve("algo"), "x");
    Map<String, String> env = new HashMap<>();
    env.put("HOST", "127.0.0.1");
    env.put("PORT", "0");
    env.put("SERVER_CERT", dir.resolve("server.crt").toString());
    env.put("SERVER_KEY", dir.resolve("server.key").toString());
    env.put("CLIENT_CA_CERTS", ca.toString());
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    try (CvmsServer server =
        TestCvms.start(
            env,
            new PrintStream(log, true, StandardCharsets.UTF_8),
            Walkthrough.flags(algo, keys.resolve("public.pem")))) {
      assertThat(server.security()).isEqualTo("with mTLS");
      assertThat(log.toString(StandardCharsets.UTF_8)).contains("with mTLS");
      String target = "localhost:" + server.port();
      try (StandInAgent withCert =
          StandInAgent.dial(
              target,
              b -> b.sslContext(tls(ca, dir.resolve("agent.crt"), dir.resolve("agent.key"))),
              Files.createDirectories(dir.resolve("a1")))) {
        ComputationRunReq req = withCert.manifest().get(10, TimeUnit.SECONDS);
        assertThat(req.getName()).isEqualTo("sample computation");
      }
      try (StandInAgent withoutCert =
          StandInAgent.dial(
              target,
              b -> b.sslContext(tls(ca, null, null)),
              Files.createDirectories(dir.resolve("a2")))) {
        assertThat(withoutCert.manifest())
            .failsWithin(Duration.ofSeconds(10))
            .withThrowableOfType(ExecutionException.class);
      }
    }
  }

  private static io.netty.handler.ssl.SslContext tls(Path ca, Path cert, Path key) {
    try {
      SslContextBuilder b = GrpcSslContexts.forClient().trustManager(ca.toFile());
      if (cert != null) {
        b.keyManager(cert.toFile(), key.toFile());
      }
      return b.build();
    } catch (javax.net.ssl.SSLException e) {
      throw new IllegalStateException(e);
    }
  }
}
