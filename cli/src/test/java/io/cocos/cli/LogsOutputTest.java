package io.cocos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import io.cocos.manager.api.LogLine;
import io.cocos.manager.api.ManagerServiceGrpc;
import io.cocos.manager.api.StreamLogsReq;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `cocos-cli logs` prints the lines it reads from the wire bytes of each batch, against a real gRPC
 * server on a real socket that sends batches as the manager does: non-ASCII text, an empty line, a
 * skipped-bytes count, several batches.
 */
class LogsOutputTest {
  static final String ID = "e71cdcf5-21c0-4e1d-9471-ac6b4389d5f3";
  @TempDir Path work;
  final AtomicReference<StreamLogsReq> asked = new AtomicReference<>();
  Server server;

  @BeforeEach
  void startServer() throws Exception {
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(
                new ManagerServiceGrpc.ManagerServiceImplBase() {
                  @Override
                  public void streamLogs(StreamLogsReq request, StreamObserver<LogLine> out) {
                    asked.set(request);
                    out.onNext(
                        LogLine.newBuilder()
                            .setCvmId(ID)
                            .setSkippedBytes(42)
                            .addLines(utf8("h\u00e9llo \u2713"))
                            .addLines(utf8(""))
                            .addLines(utf8("two"))
                            .build());
                    out.onNext(LogLine.newBuilder().setCvmId(ID).addLines(utf8("three")).build());
                    out.onCompleted();
                  }
                })
            .build()
            .start();
  }

  @AfterEach
  void stopServer() throws Exception {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  static ByteString utf8(String line) {
    return ByteString.copyFrom(line, StandardCharsets.UTF_8);
  }

  CliRun cli() {
    return new CliRun(Map.of("MANAGER_GRPC_URL", "127.0.0.1:" + server.getPort()), work);
  }

  @Test
  void textIsEachLineAsSentAndTheSkipIsToldOnStderr() {
    CliRun.Result run = cli().run("logs", ID, "--tail", "4294967295");
    assertThat(run.code()).as(run.toString()).isZero();
    assertThat(run.outLines()).containsExactly("h\u00e9llo \u2713", "", "two", "three");
    assertThat(run.err()).contains("42 bytes of console skipped");
    assertThat(asked.get().getBatch()).isTrue();
    assertThat(Integer.toUnsignedLong(asked.get().getTail())).isEqualTo(4294967295L);
  }

  @Test
  void jsonIsOneObjectPerLineWithTheSkipOnTheFirstLineAfterIt() {
    CliRun.Result run = cli().run("logs", ID, "--json");
    assertThat(run.code()).as(run.toString()).isZero();
    List<JsonObject> lines =
        run.outLines().stream().map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
    assertThat(lines)
        .extracting(o -> o.get("line").getAsString())
        .containsExactly("h\u00e9llo \u2713", "", "two", "three");
    assertThat(lines)
        .extracting(o -> o.get("skippedBytes").getAsLong())
        .containsExactly(42L, 0L, 0L, 0L);
    assertThat(lines).allSatisfy(o -> assertThat(o.get("cvmId").getAsString()).isEqualTo(ID));
  }
}
