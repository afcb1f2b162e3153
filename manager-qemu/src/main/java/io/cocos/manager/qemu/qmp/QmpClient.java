package io.cocos.manager.qemu.qmp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of QEMU's machine protocol (QMP) over a Unix socket: JSON messages, one a line. QEMU
 * greets first; {@code qmp_capabilities} leaves negotiation mode; then every command carries an id
 * that its reply echoes, and asynchronous events ({@code {"event": ..., "data": ...}}) may arrive
 * between any two replies.
 *
 * <p>Why our own: QMP is a few messages of JSON, Jackson parses them, and no maintained Java
 * library speaks it (libvirt's bindings need libvirtd).
 *
 * <p>Threads and concurrency: one daemon reader thread per connection parses what QEMU sends and
 * completes the pending command's future, or hands an event to the {@link EventListener} — on that
 * thread, in QEMU's order, so a listener must not block on this client's replies. Commands may be
 * sent from any thread: writes are serialised by {@code writeLock}, the pending map is concurrent.
 * When the connection ends (QEMU exited or closed it, or {@link #close} was called), every pending
 * command fails with a {@link QmpClosedException} and {@link #closed()} completes; a command sent
 * after that fails at once. The order in {@link #execute} (register, then check {@code ended}) and
 * in the reader (set {@code ended}, then drain) guarantees no command waits forever.
 */
public final class QmpClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(QmpClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Receives QMP's asynchronous events, on the reader thread. */
  @FunctionalInterface
  public interface EventListener {
    void onEvent(QmpEvent event);
  }

  private final Path socket;
  private final SocketChannel channel;
  private final EventListener listener;
  private final Object writeLock = new Object();
  private final AtomicLong ids = new AtomicLong();
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private final CompletableFuture<JsonNode> greeting = new CompletableFuture<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private volatile boolean ended;

  private record Pending(String command, CompletableFuture<JsonNode> reply) {}

  private QmpClient(Path socket, SocketChannel channel, EventListener listener) {
    this.socket = socket;
    this.channel = channel;
    this.listener = listener;
  }

  /**
   * Connects, waits for QEMU's greeting and negotiates capabilities, all within {@code timeout}.
   * Throws an IOException when nobody listens on {@code socket} (yet): callers waiting for a QEMU
   * that is starting retry.
   *
   * @param name what the reader thread is named after (the CVM id)
   */
  public static QmpClient connect(Path socket, String name, EventListener listener, Duration timeout)
      throws IOException, QmpErrorException, TimeoutException, InterruptedException {
    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    QmpClient client = new QmpClient(socket, channel, listener);
    boolean ok = false;
    try {
      channel.connect(UnixDomainSocketAddress.of(socket));
      Thread reader = new Thread(client::readLoop, "qmp-" + name);
      reader.setDaemon(true);
      reader.start();
      long deadline = System.nanoTime() + timeout.toNanos();
      await(client.greeting, "greeting", deadline);
      await(client.execute("qmp_capabilities"), "qmp_capabilities", deadline);
      ok = true;
      return client;
    } finally {
      if (!ok) {
        client.close();
      }
    }
  }

  /** Sends a command without arguments; the future fails with a {@link QmpErrorException} or an IOException. */
  public CompletableFuture<JsonNode> execute(String command) {
    return execute(command, null);
  }

  /** Sends a command; the future completes with its "return" value. */
  public CompletableFuture<JsonNode> execute(String command, ObjectNode arguments) {
    String id = Long.toString(ids.incrementAndGet());
    CompletableFuture<JsonNode> reply = new CompletableFuture<>();
    pending.put(id, new Pending(command, reply));
    if (ended) {
      pending.remove(id);
      reply.completeExceptionally(new QmpClosedException("QMP connection " + socket + " is closed"));
      return reply;
    }
    ObjectNode message = JsonNodeFactory.instance.objectNode();
    message.put("execute", command);
    if (arguments != null) {
      message.set("arguments", arguments);
    }
    message.put("id", id);
    try {
      ByteBuffer bytes = ByteBuffer.wrap((JSON.writeValueAsString(message) + "\n").getBytes(StandardCharsets.UTF_8));
      synchronized (writeLock) {
        while (bytes.hasRemaining()) {
          channel.write(bytes);
        }
      }
    } catch (IOException e) {
      pending.remove(id);
      reply.completeExceptionally(new QmpClosedException("cannot send " + command + " to " + socket + ": " + e, e));
    }
    return reply;
  }

  /** Sends a command and waits for its reply. */
  public JsonNode call(String command, Duration timeout)
      throws IOException, QmpErrorException, TimeoutException, InterruptedException {
    return await(execute(command), command, System.nanoTime() + timeout.toNanos());
  }

  /** Completes when the connection has ended, whoever ended it. */
  public CompletableFuture<Void> closed() {
    return closed.copy();
  }

  public boolean isOpen() {
    return !ended;
  }

  public Path socket() {
    return socket;
  }

  @Override
  public void close() {
    try {
      channel.close(); // the reader's blocked read fails, and it ends the connection
    } catch (IOException e) {
      log.debug("closing QMP connection {}: {}", socket, e.toString());
    }
    end(null);
  }

  private static JsonNode await(CompletableFuture<JsonNode> future, String what, long deadline)
      throws IOException, QmpErrorException, TimeoutException, InterruptedException {
    try {
      return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new TimeoutException("no QMP " + what + " reply in time");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof QmpErrorException error) {
        throw error;
      }
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException("QMP " + what + " failed: " + e.getCause(), e.getCause());
    }
  }

  private void readLoop() {
    Throwable failure = null;
    try (MappingIterator<JsonNode> messages = JSON.readerFor(JsonNode.class).readValues(new ChannelInput())) {
      while (messages.hasNextValue()) {
        dispatch(messages.nextValue());
      }
    } catch (JsonProcessingException e) {
      failure = e; // a message cut off (QEMU died mid-reply) or not JSON
    } catch (IOException | RuntimeException e) {
      failure = ended || !channel.isOpen() ? null : e;
    } finally {
      end(failure);
    }
  }

  private void dispatch(JsonNode message) {
    if (message.has("QMP")) {
      greeting.complete(message);
    } else if (message.has("event")) {
      JsonNode ts = message.path("timestamp");
      Instant time = ts.has("seconds")
          ? Instant.ofEpochSecond(ts.path("seconds").asLong(), ts.path("microseconds").asLong() * 1000)
          : Instant.now();
      JsonNode data = message.has("data") ? message.get("data") : JsonNodeFactory.instance.objectNode();
      try {
        listener.onEvent(new QmpEvent(message.path("event").asText(), data, time));
      } catch (RuntimeException e) {
        log.error("QMP event listener of {} failed on {}", socket, message.path("event").asText(), e);
      }
    } else if (message.has("return") || message.has("error")) {
      Pending command = message.has("id") ? pending.remove(message.path("id").asText()) : null;
      if (command == null) {
        log.warn("QMP reply on {} matches no command: {}", socket, bounded(message));
      } else if (message.has("error")) {
        JsonNode error = message.get("error");
        command.reply().completeExceptionally(new QmpErrorException(command.command(),
            error.path("class").asText("GenericError"), error.path("desc").asText("")));
      } else {
        command.reply().complete(message.get("return"));
      }
    } else {
      log.warn("unexpected QMP message on {}: {}", socket, bounded(message));
    }
  }

  private void end(Throwable failure) {
    ended = true;
    try {
      channel.close();
    } catch (IOException e) {
      log.debug("closing QMP connection {}: {}", socket, e.toString());
    }
    String why = "QMP connection " + socket + " ended" + (failure == null ? "" : ": " + failure.getMessage());
    QmpClosedException closedError = failure == null ? new QmpClosedException(why) : new QmpClosedException(why, failure);
    greeting.completeExceptionally(closedError);
    for (String id : pending.keySet()) {
      Pending command = pending.remove(id);
      if (command != null) {
        command.reply().completeExceptionally(closedError);
      }
    }
    closed.complete(null);
  }

  private static String bounded(JsonNode message) {
    String text = message.toString();
    return text.length() <= 200 ? text : text.substring(0, 200) + "…";
  }

  /**
   * The channel as a stream, reading directly: Channels.newInputStream would hold the channel's
   * blocking lock while it waits for data, which would stall every write meanwhile.
   */
  private final class ChannelInput extends InputStream {
    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      return channel.read(ByteBuffer.wrap(b, off, len));
    }
  }
}
