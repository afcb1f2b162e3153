package io.cocos.manager.qemu.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The QMP client against a scripted peer on a real Unix socket: the test plays QEMU line by line.
 */
class QmpClientTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String GREETING =
      "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, \"package\": \"\"}, \"capabilities\": [\"oob\"]}}";

  @TempDir Path dir;
  private Path socket;
  private ServerSocketChannel server;
  private SocketChannel peer;
  private BufferedReader fromClient;
  private final List<QmpEvent> events = new CopyOnWriteArrayList<>();
  private QmpClient client;

  @BeforeEach
  void listen() throws IOException {
    socket = dir.resolve("qmp.sock");
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
  }

  @AfterEach
  void closeAll() throws IOException {
    if (client != null) {
      client.close();
    }
    if (peer != null) {
      peer.close();
    }
    server.close();
  }

  @Test
  void greetsNegotiatesCapabilitiesThenRepliesMatchTheirCommandsByIdWhateverTheOrder()
      throws Exception {
    connected();
    CompletableFuture<JsonNode> status = client.execute("query-status");
    CompletableFuture<JsonNode> version = client.execute("query-version");
    JsonNode first = request();
    JsonNode second = request();
    assertThat(first.path("execute").asText()).isEqualTo("query-status");
    assertThat(second.path("execute").asText()).isEqualTo("query-version");
    assertThat(first.path("id").asText()).isNotEqualTo(second.path("id").asText());

    send("{\"return\": {\"qemu\": {\"major\": 7}}, \"id\": " + second.get("id") + "}");
    send(
        "{\"return\": {\"status\": \"running\", \"running\": true}, \"id\": "
            + first.get("id")
            + "}");

    assertThat(status.get(5, TimeUnit.SECONDS).path("status").asText()).isEqualTo("running");
    assertThat(version.get(5, TimeUnit.SECONDS).path("qemu").path("major").asInt()).isEqualTo(7);
  }

  @Test
  void eventsBetweenRepliesGoToTheListenerInOrderWithDataAndTimestamp() throws Exception {
    connected();
    CompletableFuture<JsonNode> powerdown = client.execute("system_powerdown");
    JsonNode request = request();
    send(
        "{\"event\": \"POWERDOWN\", \"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 250}}");
    send("{\"return\": {}, \"id\": " + request.get("id") + "}");
    send(
        "{\"timestamp\": {\"seconds\": 1700000001, \"microseconds\": 5}, \"event\": \"SHUTDOWN\","
            + " \"data\": {\"guest\": true, \"reason\": \"guest-shutdown\"}}");

    assertThat(powerdown.get(5, TimeUnit.SECONDS).isEmpty()).isTrue();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 2);
    assertThat(events.get(0).name()).isEqualTo("POWERDOWN");
    assertThat(events.get(0).time()).isEqualTo(Instant.ofEpochSecond(1700000000, 250_000));
    assertThat(events.get(0).data().isEmpty()).isTrue();
    assertThat(events.get(1).name()).isEqualTo("SHUTDOWN");
    assertThat(events.get(1).data().path("reason").asText()).isEqualTo("guest-shutdown");
  }

  @Test
  void anErrorReplyFailsItsCommandWithQemusClassAndWords() throws Exception {
    connected();
    CompletableFuture<JsonNode> bogus = client.execute("bogus");
    send(
        "{\"id\": "
            + request().get("id")
            + ", \"error\": {\"class\": \"CommandNotFound\","
            + " \"desc\": \"The command bogus has not been found\"}}");

    assertThatThrownBy(() -> bogus.get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(QmpErrorException.class)
        .hasMessageContaining("CommandNotFound")
        .hasMessageContaining("The command bogus has not been found")
        .satisfies(
            e -> assertThat(((QmpErrorException) e).errorClass()).isEqualTo("CommandNotFound"));
    assertThat(client.isOpen()).isTrue();
  }

  @Test
  void aPeerThatClosesMidReplyFailsEveryPendingCommandAndEndsTheConnection() throws Exception {
    connected();
    CompletableFuture<JsonNode> status = client.execute("query-status");
    CompletableFuture<JsonNode> other = client.execute("query-kvm");
    JsonNode request = request();
    request();
    peer.write(
        ByteBuffer.wrap(("{\"return\": {\"status\": \"runn").getBytes(StandardCharsets.UTF_8)));
    peer.close();

    assertThatThrownBy(() -> status.get(5, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(QmpClosedException.class);
    assertThatThrownBy(() -> other.get(5, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(QmpClosedException.class);
    client.closed().get(5, TimeUnit.SECONDS);
    assertThat(client.isOpen()).isFalse();
    assertThat(request.path("execute").asText()).isEqualTo("query-status");
    assertThatThrownBy(() -> client.execute("query-status").get(5, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(QmpClosedException.class);
  }

  @Test
  void aPeerThatClosesBeforeGreetingFailsTheConnect() throws Exception {
    CompletableFuture<QmpClient> connecting = connectAsync();
    peer = server.accept();
    peer.close();
    assertThatThrownBy(() -> connecting.get(10, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(QmpClosedException.class);
  }

  @Test
  void aRefusedCapabilitiesNegotiationFailsTheConnect() throws Exception {
    CompletableFuture<QmpClient> connecting = connectAsync();
    accept();
    send(GREETING);
    send(
        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"no\"}, \"id\": "
            + request().get("id")
            + "}");
    assertThatThrownBy(() -> connecting.get(10, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(QmpErrorException.class)
        .hasMessageContaining("qmp_capabilities");
  }

  @Test
  void nobodyListeningIsAnIoErrorToRetry() throws IOException {
    server.close();
    assertThatThrownBy(
            () ->
                QmpClient.connect(
                    dir.resolve("absent.sock"), "test", events::add, Duration.ofSeconds(1)))
        .isInstanceOf(IOException.class);
  }

  @Test
  void closingTheClientEndsItAndFailsWhatWaits() throws Exception {
    connected();
    CompletableFuture<JsonNode> status = client.execute("query-status");
    request();
    client.close();
    assertThatThrownBy(() -> status.get(5, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(QmpClosedException.class);
    client.closed().get(5, TimeUnit.SECONDS);
    assertThat(fromClient.readLine()).isNull();
  }

  @Test
  void aMessageOverTheCapClosesTheConnectionAndFailsWhatWaits() throws Exception {
    connected();
    CompletableFuture<JsonNode> status = client.execute("query-status");
    request();
    // Written from another thread: the peer's write blocks until the client has read it, or fails
    // once the client has closed.
    CompletableFuture.runAsync(
        () -> {
          try {
            send("{\"return\": {\"status\": \"" + "x".repeat(QmpClient.MAX_MESSAGE_BYTES) + "\"}}");
          } catch (IOException expected) {
            // the client closed its end while we wrote
          }
        });

    assertThatThrownBy(() -> status.get(10, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(QmpClosedException.class)
        .hasMessageContaining("exceeds " + QmpClient.MAX_MESSAGE_BYTES + " bytes");
    client.closed().get(5, TimeUnit.SECONDS);
    assertThat(client.isOpen()).isFalse();
  }

  @Test
  void aMessageSplitAcrossReadsIsReassembled() throws Exception {
    connected();
    CompletableFuture<JsonNode> status = client.execute("query-status");
    String reply =
        "{\"return\": {\"status\": \""
            + "y".repeat(200_000)
            + "\"}, \"id\": "
            + request().get("id")
            + "}";
    int half = reply.length() / 2;
    peer.write(ByteBuffer.wrap(reply.substring(0, half).getBytes(StandardCharsets.UTF_8)));
    org.awaitility.Awaitility.await()
        .during(Duration.ofMillis(100))
        .atMost(Duration.ofSeconds(5))
        .until(() -> !status.isDone());
    send(reply.substring(half));

    assertThat(status.get(5, TimeUnit.SECONDS).path("status").asText()).hasSize(200_000);
  }

  @Test
  void manyConnectionsAreServedByOneThread() throws Exception {
    int connections = 50;
    List<QmpClient> clients = new ArrayList<>();
    List<SocketChannel> peers = new ArrayList<>();
    List<BufferedReader> readers = new ArrayList<>();
    try {
      for (int i = 0; i < connections; i++) {
        connected();
        clients.add(client);
        peers.add(peer);
        readers.add(fromClient);
        client = null;
        peer = null;
      }
      List<CompletableFuture<JsonNode>> replies =
          clients.stream().map(c -> c.execute("query-status")).toList();
      for (int i = connections - 1; i >= 0; i--) { // answered in the reverse order of asking
        String id = JSON.readTree(readers.get(i).readLine()).get("id").toString();
        ByteBuffer bytes =
            ByteBuffer.wrap(
                ("{\"event\": \"RESUME\"}\n{\"return\": {\"status\": \"running-"
                        + i
                        + "\"}, \"id\": "
                        + id
                        + "}\n")
                    .getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
          peers.get(i).write(bytes);
        }
      }
      for (int i = 0; i < connections; i++) {
        assertThat(replies.get(i).get(5, TimeUnit.SECONDS).path("status").asText())
            .isEqualTo("running-" + i);
      }
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> events.size() == connections);
      assertThat(Thread.getAllStackTraces().keySet())
          .extracting(Thread::getName)
          .filteredOn(threadName -> threadName.startsWith("qmp"))
          .containsExactly("qmp-selector");
    } finally {
      clients.forEach(QmpClient::close);
      for (SocketChannel p : peers) {
        p.close();
      }
    }
  }

  // ------------------------------------------------------------------ the scripted peer

  private void connected() throws Exception {
    CompletableFuture<QmpClient> connecting = connectAsync();
    accept();
    send(GREETING);
    JsonNode capabilities = request();
    assertThat(capabilities.path("execute").asText()).isEqualTo("qmp_capabilities");
    assertThat(capabilities.has("id")).isTrue();
    send("{\"return\": {}, \"id\": " + capabilities.get("id") + "}");
    client = connecting.get(10, TimeUnit.SECONDS);
  }

  private CompletableFuture<QmpClient> connectAsync() {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return QmpClient.connect(socket, "test", events::add, Duration.ofSeconds(10));
          } catch (Exception e) {
            throw new CompletionException(e);
          }
        });
  }

  private void accept() throws IOException {
    peer = server.accept();
    fromClient =
        new BufferedReader(
            new InputStreamReader(Channels.newInputStream(peer), StandardCharsets.UTF_8));
  }

  private void send(String json) throws IOException {
    ByteBuffer bytes = ByteBuffer.wrap((json + "\r\n").getBytes(StandardCharsets.UTF_8));
    while (bytes.hasRemaining()) {
      peer.write(bytes);
    }
  }

  private JsonNode request() throws IOException {
    String line = fromClient.readLine();
    assertThat(line).as("a request from the client").isNotNull();
    return JSON.readTree(line);
  }
}
