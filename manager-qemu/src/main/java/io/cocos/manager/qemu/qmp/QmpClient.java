package io.cocos.manager.qemu.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
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
 * <p>Threads and concurrency: no thread of its own. Every connection's socket is non-blocking and
 * served by the JVM's one {@link QmpSelector} thread, which reads, splits lines, parses each with
 * Jackson and completes the pending command's future or hands an event to the {@link EventListener}
 * — on that thread, in QEMU's order, so a listener (and a callback chained to a reply's future
 * without an executor) must not block: it would stall every CVM's QMP. Commands may be sent from
 * any thread and never block: {@code writeLock} guards the channel's writes and {@link #unsent}
 * (what a full socket buffer did not take, flushed by the selector thread); the pending map is
 * concurrent. When the connection ends (QEMU exited or closed it, a message over {@link
 * #MAX_MESSAGE_BYTES}, or {@link #close}), every pending command fails with a {@link
 * QmpClosedException} and {@link #closed()} completes; a command sent after that fails at once. The
 * order in {@link #execute} (register, then check {@code ended}) and in {@link #end} (set {@code
 * ended}, then drain) guarantees no command waits forever.
 *
 * <p>Memory: between messages a connection holds no buffer. The selector thread reads into its one
 * shared buffer; {@link QmpLines} keeps only the start of a message not yet complete, up to {@link
 * #MAX_MESSAGE_BYTES}.
 */
public final class QmpClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(QmpClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * A message longer than this closes the connection: QEMU's replies to the commands we send and
   * its events are a few KiB at most; a peer sending more without a line end is not a QEMU to
   * trust.
   */
  public static final int MAX_MESSAGE_BYTES = 1 << 20;

  /** Receives QMP's asynchronous events, on the selector thread: it must not block. */
  @FunctionalInterface
  public interface EventListener {
    void onEvent(QmpEvent event);
  }

  private final Path socket;
  private final String name;
  private final SocketChannel channel;
  private final EventListener listener;
  private final QmpSelector selector;
  private final Object writeLock = new Object();

  /** Bytes of commands the socket did not take yet, in order. Guarded by writeLock. */
  private final ArrayDeque<ByteBuffer> unsent = new ArrayDeque<>();

  /** The channel's registration, set once by the selector thread. Guarded by writeLock. */
  private SelectionKey key;

  private final AtomicLong ids = new AtomicLong();
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private final CompletableFuture<JsonNode> greeting = new CompletableFuture<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private volatile boolean ended;

  /** Splits what is read into messages. Selector thread only. */
  private final QmpLines lines = new QmpLines(this::parseLine);

  private record Pending(String command, CompletableFuture<JsonNode> reply) {}

  private QmpClient(
      Path socket,
      String name,
      SocketChannel channel,
      EventListener listener,
      QmpSelector selector) {
    this.socket = socket;
    this.name = name;
    this.channel = channel;
    this.listener = listener;
    this.selector = selector;
  }

  /**
   * Connects, waits for QEMU's greeting and negotiates capabilities, all within {@code timeout}.
   * Throws an IOException when nobody listens on {@code socket} (yet): callers waiting for a QEMU
   * that is starting retry.
   *
   * @param name what log lines call the connection (the CVM id)
   */
  public static QmpClient connect(
      Path socket, String name, EventListener listener, Duration timeout)
      throws IOException, QmpErrorException, TimeoutException, InterruptedException {
    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    QmpClient client = new QmpClient(socket, name, channel, listener, QmpSelector.shared());
    boolean ok = false;
    try {
      // A Unix socket connects or fails (absent, nobody listening) at once: a blocking connect
      // costs nothing.
      channel.connect(UnixDomainSocketAddress.of(socket));
      channel.configureBlocking(false);
      client.selector.register(channel, client);
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

  /**
   * Sends a command without arguments; the future fails with a {@link QmpErrorException} or an
   * IOException.
   */
  public CompletableFuture<JsonNode> execute(String command) {
    return execute(command, null);
  }

  /** Sends a command, without blocking; the future completes with its "return" value. */
  public CompletableFuture<JsonNode> execute(String command, ObjectNode arguments) {
    String id = Long.toString(ids.incrementAndGet());
    CompletableFuture<JsonNode> reply = new CompletableFuture<>();
    pending.put(id, new Pending(command, reply));
    if (ended) {
      pending.remove(id);
      reply.completeExceptionally(
          new QmpClosedException("QMP connection " + socket + " is closed"));
      return reply;
    }
    ObjectNode message = JsonNodeFactory.instance.objectNode();
    message.put("execute", command);
    if (arguments != null) {
      message.set("arguments", arguments);
    }
    message.put("id", id);
    try {
      send(
          ByteBuffer.wrap(
              (JSON.writeValueAsString(message) + "\n").getBytes(StandardCharsets.UTF_8)));
    } catch (IOException e) {
      pending.remove(id);
      reply.completeExceptionally(
          new QmpClosedException("cannot send " + command + " to " + socket + ": " + e, e));
    }
    return reply;
  }

  /** Writes what the socket takes now; the selector thread writes the rest when it can. */
  private void send(ByteBuffer bytes) throws IOException {
    synchronized (writeLock) {
      if (unsent.isEmpty()) {
        channel.write(bytes);
        if (!bytes.hasRemaining()) {
          return;
        }
      }
      unsent.add(bytes);
      if (key != null) {
        key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        selector.wakeup();
      }
    }
  }

  /** On the selector thread, once the channel is registered. */
  void registered(SelectionKey selectionKey) {
    synchronized (writeLock) {
      key = selectionKey;
      if (!unsent.isEmpty()) {
        key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
      }
    }
  }

  /** On the selector thread: the socket takes more. */
  void flush() throws IOException {
    synchronized (writeLock) {
      while (!unsent.isEmpty()) {
        ByteBuffer next = unsent.peek();
        channel.write(next);
        if (next.hasRemaining()) {
          return;
        }
        unsent.poll();
      }
      key.interestOps(SelectionKey.OP_READ);
    }
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

  /**
   * On the selector thread: reads what has arrived, through the selector's shared buffer, and
   * dispatches every complete line.
   */
  void readAvailable(ByteBuffer buffer) throws IOException {
    while (!ended) {
      buffer.clear();
      int n = channel.read(buffer);
      if (n < 0) {
        end(
            lines.partialLength() == 0
                ? null
                : new IOException(
                    "the connection ended in the middle of a message ("
                        + lines.partialLength()
                        + " bytes)"));
        return;
      }
      if (n == 0) {
        return;
      }
      consume(buffer.array(), n);
    }
  }

  private void consume(byte[] bytes, int length) throws IOException {
    try {
      lines.consume(bytes, length, () -> !ended);
    } catch (QmpLines.MessageTooLongException e) {
      log.warn(
          "QMP connection {} of {}: a message exceeds {} bytes without a line end; closing the connection",
          socket,
          name,
          MAX_MESSAGE_BYTES);
      throw e;
    }
  }

  /** A line that is not JSON throws, which ends the connection: the peer is not speaking QMP. */
  private void parseLine(byte[] bytes, int offset, int length) throws IOException {
    JsonNode message = JSON.readTree(bytes, offset, length);
    if (message == null || message.isMissingNode()) {
      return; // a blank line
    }
    dispatch(message);
  }

  private void dispatch(JsonNode message) {
    if (message.has("QMP")) {
      greeting.complete(message);
    } else if (message.has("event")) {
      JsonNode ts = message.path("timestamp");
      Instant time =
          ts.has("seconds")
              ? Instant.ofEpochSecond(
                  ts.path("seconds").asLong(), ts.path("microseconds").asLong() * 1000)
              : Instant.now();
      JsonNode data =
          message.has("data") ? message.get("data") : JsonNodeFactory.instance.objectNode();
      try {
        listener.onEvent(new QmpEvent(message.path("event").asText(), data, time));
      } catch (RuntimeException e) {
        log.error("QMP event listener of {} failed on {}", name, message.path("event").asText(), e);
      }
    } else if (message.has("return") || message.has("error")) {
      Pending command = message.has("id") ? pending.remove(message.path("id").asText()) : null;
      if (command == null) {
        log.warn("QMP reply on {} matches no command: {}", socket, bounded(message));
      } else if (message.has("error")) {
        JsonNode error = message.get("error");
        command
            .reply()
            .completeExceptionally(
                new QmpErrorException(
                    command.command(),
                    error.path("class").asText("GenericError"),
                    error.path("desc").asText("")));
      } else {
        command.reply().complete(message.get("return"));
      }
    } else {
      log.warn("unexpected QMP message on {}: {}", socket, bounded(message));
    }
  }

  /** On the selector thread: reading or writing failed. */
  void fail(Exception failure) {
    end(failure);
  }

  private void end(Throwable failure) {
    synchronized (writeLock) {
      if (ended) {
        return;
      }
      ended = true;
      unsent.clear();
    }
    try {
      channel
          .close(); // cancels the key; the selector releases the descriptor at its next selection
    } catch (IOException e) {
      log.debug("closing QMP connection {}: {}", socket, e.toString());
    }
    selector.wakeup();
    String why =
        "QMP connection "
            + socket
            + " ended"
            + (failure == null ? "" : ": " + failure.getMessage());
    QmpClosedException closedError =
        failure == null ? new QmpClosedException(why) : new QmpClosedException(why, failure);
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
}
