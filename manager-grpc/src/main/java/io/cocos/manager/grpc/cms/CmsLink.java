package io.cocos.manager.grpc.cms;

import io.cocos.manager.cms.api.ComputationManagementServiceGrpc;
import io.cocos.manager.cms.api.ConsoleLines;
import io.cocos.manager.cms.api.Hello;
import io.cocos.manager.cms.api.LifecycleEvent;
import io.cocos.manager.cms.api.ManagerMessage;
import io.cocos.manager.cms.api.Request;
import io.cocos.manager.cms.api.Response;
import io.cocos.manager.core.concurrent.DaemonThreads;
import io.cocos.manager.core.event.CvmEvent;
import io.cocos.manager.core.event.CvmEvents;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's link to the Computation Management service (cms.proto): dials MANAGER_CMS_URL at
 * start-up and keeps one Connect stream open for the manager's whole life. On each stream it says
 * hello first, then runs the CMS's requests and pushes its CVMs' lifecycle events and console
 * lines. When the stream breaks or cannot be opened it tries again, forever, 1 s after the failure
 * and then with delays doubling up to 60 s ({@link ReconnectBackoff}); a stream that stayed up for
 * {@link Reconnects#HEALTHY_SESSION} starts the delays over. Each new delay level is logged once,
 * not every attempt (and the reason again whenever it changes: {@link Reconnects}). The gRPC API
 * does not depend on any of this: the link can be down for days and cocos-cli still works.
 *
 * <h2>Concurrency</h2>
 *
 * <ul>
 *   <li>One thread, "cms-link", owns the connection: it dials, sends every message, ends streams
 *       and schedules the next attempt. The current {@link CmsStream} and the {@link Reconnects}
 *       (backoff and logging memory) are touched only there, so they need no lock, and gRPC's
 *       stream (which is not thread-safe) is only ever written from there.
 *   <li>gRPC calls back on its own threads (stream ready, a message from the CMS, the end of the
 *       stream). Those callbacks do nothing but hand work to the link thread, or a request to
 *       {@link CmsRequests}'s pool, whose answer is queued on the stream it came from (a concurrent
 *       queue) for the link thread to send.
 *   <li>Lifecycle events (published under a CVM's lock) and console lines (from the console
 *       watcher) are appended to the {@link Outbox}, a leaf lock held for microseconds, and a send
 *       is scheduled on the link thread. Nothing that produces them ever waits for the network:
 *       while the link is down or the CMS is slow, only the Outbox's bounded queues grow.
 *   <li>Sending respects gRPC's flow control (the stream's isReady): what the CMS cannot take yet
 *       stays in the Outbox, where the bound applies, rather than in gRPC's unbounded buffers.
 *   <li>{@link #linkState()} reads a volatile written by the link thread.
 * </ul>
 *
 * <p>An answer whose stream broke before it went out is not carried over to the next stream: the
 * CMS sends the request again (same id) and gets the first result from the {@link RequestLedger}.
 * Events and console lines are taken out of the Outbox as they are handed to gRPC, so the few in
 * flight when a stream breaks are lost; the next hello's CVM list lets the CMS reconcile.
 *
 * <p>Requests from the CMS are calls to the API, in-process ({@link CmsRequests}): bound by
 * MANAGER_GRPC_TIMEOUT, counted and traced like any other call.
 *
 * <p>Every attempt gets a channel of its own ({@link CmsChannels}), closed with its stream.
 */
public final class CmsLink implements AutoCloseable {
  static final int EVENT_CAPACITY = 10_000;
  static final int CONSOLE_LINE_CAPACITY = 10_000;

  static final Duration ESTABLISH_TIMEOUT = Duration.ofSeconds(20);

  /** Console lines wait this long for more to share their message. */
  static final Duration CONSOLE_LINGER = Duration.ofMillis(100);

  static final int MAX_BATCH_LINES = 500;
  static final int MAX_BATCH_BYTES = 1 << 20;

  private static final Logger log = LoggerFactory.getLogger(CmsLink.class);

  private final CmsLinkConfig config;
  private final ManagerDescription self;
  private final Outbox outbox;

  /** The manager's API in-process; asked for once connected, never by a standalone link. */
  private final Supplier<? extends Channel> api;

  private final CmsRequests requests;
  private final CmsStream.Owner streamEvents = new StreamEvents();
  private final ScheduledExecutorService linkThread =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("cms-link"));

  /** Set while a send is scheduled on the link thread, so a burst of events asks for one. */
  private final AtomicBoolean sendScheduled = new AtomicBoolean();

  private final AtomicBoolean closing = new AtomicBoolean();

  /** The event and console subscriptions, closed by close(). */
  private final List<AutoCloseable> subscriptions = new CopyOnWriteArrayList<>();

  private volatile LinkState state;

  // Touched by the link thread only.
  private final Reconnects reconnects = new Reconnects();
  private CmsStream session;
  private ScheduledFuture<?> nextAttempt;
  private boolean closed;

  CmsLink(
      CmsLinkConfig config,
      ManagerDescription self,
      Supplier<? extends Channel> api,
      int eventCapacity,
      int consoleLineCapacity) {
    this.config = config;
    this.self = self;
    this.api = api;
    this.outbox = new Outbox(eventCapacity, consoleLineCapacity, Clock.systemUTC());
    this.requests =
        new CmsRequests(
            api,
            new RequestLedger(RequestLedger.CAPACITY, RequestLedger.RETENTION, Clock.systemUTC()));
    this.state = config.standalone() ? LinkState.STANDALONE : LinkState.CONNECTING;
  }

  /**
   * Starts the link: follows the lifecycle's events and console lines and dials the CMS in the
   * background (returns at once). Standalone (no MANAGER_CMS_URL) it does nothing.
   *
   * @param api the manager's API, in-process, which runs the CMS's requests: asked for once the
   *     link is connected (its hello lists the CVMs through it), never by a standalone manager
   */
  public static CmsLink start(
      CmsLinkConfig config,
      ManagerDescription self,
      CvmEvents lifecycle,
      Supplier<? extends Channel> api) {
    CmsLink link = new CmsLink(config, self, api, EVENT_CAPACITY, CONSOLE_LINE_CAPACITY);
    link.start(lifecycle);
    return link;
  }

  void start(CvmEvents lifecycle) {
    if (config.standalone()) {
      log.info("no MANAGER_CMS_URL: standalone, controlled through the gRPC API only");
      return;
    }
    if (config.tls().isEmpty()) {
      log.warn(
          "CMS link to {} without TLS: set MANAGER_GRPC_SERVER_CA_CERTS (and MANAGER_GRPC_CLIENT_CERT and "
              + "MANAGER_GRPC_CLIENT_KEY) to protect requests, CVM events and console output",
          target());
    }
    // Listens until close(), which unsubscribes.
    subscriptions.add(lifecycle.subscribe(this::onEvent));
    subscriptions.add(lifecycle.subscribeConsole(this::onConsoleLine));
    log.info(
        "CMS link: connecting to {} {} as manager {}",
        target(),
        config.security(),
        self.instanceId());
    onLinkThread(this::connect);
  }

  /** Where the link stands; STANDALONE when no CMS is configured. For the health endpoint. */
  public LinkState linkState() {
    return state;
  }

  /** What the bounded buffers have dropped since the start (tests wait for an overflow). */
  Outbox.Dropped dropped() {
    return outbox.totals();
  }

  // ------------------------------------------------------------------ producers (any thread)

  private void onEvent(CvmEvent event) {
    if (outbox.addEvent(event)) {
      log.warn(
          "CMS link ({}): event buffer full, dropping the oldest events (the next hello counts them)",
          state.wireName());
    }
    scheduleSend(Duration.ZERO);
  }

  private void onConsoleLine(String cvmId, String line) {
    if (outbox.addConsoleLine(cvmId, line)) {
      log.warn(
          "CMS link ({}): console buffer full, dropping the oldest lines (the next hello counts them)",
          state.wireName());
    }
    scheduleSend(CONSOLE_LINGER);
  }

  private void scheduleSend(Duration delay) {
    if (sendScheduled.compareAndSet(false, true)) {
      try {
        linkThread.schedule(this::send, delay.toMillis(), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        // closed: nothing is sent any more
      }
    }
  }

  private void onLinkThread(Runnable task) {
    try {
      linkThread.execute(task);
    } catch (RejectedExecutionException e) {
      // closed: the stream and its news no longer matter
    }
  }

  // ------------------------------------------------------------------ the link thread

  private void connect() {
    if (closed) {
      return;
    }
    state = LinkState.CONNECTING;
    CmsStream attempt = new CmsStream(CmsChannels.open(config, self), streamEvents);
    session = attempt;
    ComputationManagementServiceGrpc.newStub(attempt.channel).connect(attempt);
    linkThread.schedule(
        () -> {
          if (session == attempt && attempt.establishedAt == null) {
            end(attempt, "no answer within " + ESTABLISH_TIMEOUT.toSeconds() + "s");
          }
        },
        ESTABLISH_TIMEOUT.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** The stream can take messages: the first time, it is established and the hello goes out. */
  private void writable(CmsStream s) {
    if (s != session) {
      return;
    }
    if (s.establishedAt == null) {
      Outbox.Dropped dropped = outbox.droppedSoFar();
      Hello hello;
      try {
        hello = CmsHello.of(self, api.get(), dropped);
      } catch (StatusRuntimeException e) {
        end(s, "listing the CVMs for the hello failed: " + StatusText.describe(e));
        return;
      }
      s.establishedAt = Instant.now();
      s.toCms.onNext(ManagerMessage.newBuilder().setHello(hello).build());
      state = LinkState.CONNECTED;
      reconnects.connected();
      log.info(
          "CMS link up: connected to {} {}; hello sent with {} CVM(s), {} event(s) and {} console line(s) "
              + "dropped so far",
          target(),
          config.security(),
          hello.getCvmsCount(),
          dropped.events(),
          dropped.consoleLines());
    }
    send();
  }

  /** Sends what is waiting, answers first, as long as the stream can take it. */
  private void send() {
    sendScheduled.set(false); // first: whatever arrives from now on schedules another send
    CmsStream s = session;
    if (s == null || s.establishedAt == null) {
      return;
    }
    while (s.toCms.isReady()) {
      ManagerMessage next = nextMessage(s);
      if (next == null) {
        return;
      }
      s.toCms.onNext(next);
    }
  }

  private ManagerMessage nextMessage(CmsStream s) {
    Response response = s.answers.poll();
    if (response != null) {
      return ManagerMessage.newBuilder().setResponse(response).build();
    }
    LifecycleEvent event = outbox.pollEvent();
    if (event != null) {
      return ManagerMessage.newBuilder().setEvent(event).build();
    }
    ConsoleLines lines = outbox.pollConsoleLines(MAX_BATCH_LINES, MAX_BATCH_BYTES);
    return lines == null ? null : ManagerMessage.newBuilder().setConsoleLines(lines).build();
  }

  /** A stream ended (or never began): close it and schedule the next attempt. */
  private void end(CmsStream s, String reason) {
    if (s != session) {
      return; // news from a stream already given up
    }
    session = null;
    s.toCms.cancel(reason, null); // no-op if gRPC already ended it
    s.channel.shutdownNow();
    if (closed) {
      return;
    }
    state = LinkState.DISCONNECTED;
    Duration pause = reconnects.ended(s.establishedAt, reason);
    nextAttempt = linkThread.schedule(this::connect, pause.toMillis(), TimeUnit.MILLISECONDS);
  }

  private String target() {
    return config.cmsUrl().orElseThrow();
  }

  /**
   * Says goodbye to the CMS (a half-close, so it sees a clean end) and stops trying. Idempotent.
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    for (AutoCloseable subscription : subscriptions) {
      try {
        subscription.close();
      } catch (Exception e) {
        log.debug("unsubscribing failed: {}", e.toString());
      }
    }
    var ended =
        linkThread.submit(
            () -> {
              closed = true;
              if (state != LinkState.STANDALONE) {
                state = LinkState.CLOSED;
              }
              if (nextAttempt != null) {
                nextAttempt.cancel(false);
              }
              CmsStream s = session;
              session = null;
              if (s != null) {
                if (s.establishedAt != null) {
                  s.toCms.onCompleted();
                }
                s.channel.shutdown();
              }
              return s;
            });
    try {
      CmsStream last = ended.get(5, TimeUnit.SECONDS);
      if (last != null && !last.channel.awaitTermination(1, TimeUnit.SECONDS)) {
        last.channel.shutdownNow();
      }
      if (last != null) {
        log.info("CMS link closed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn("CMS link did not close cleanly: {}", e.toString());
    }
    linkThread.shutdownNow();
    requests.close();
  }

  /** A stream's news, handed to the link thread (and requests to CmsRequests' pool). */
  private final class StreamEvents implements CmsStream.Owner {
    @Override
    public void writable(CmsStream stream) {
      onLinkThread(() -> CmsLink.this.writable(stream));
    }

    @Override
    public void request(CmsStream stream, Request request) {
      requests.handle(
          request,
          response -> {
            stream.answers.add(response);
            scheduleSend(Duration.ZERO);
          });
    }

    @Override
    public void ended(CmsStream stream, String reason) {
      onLinkThread(() -> end(stream, reason));
    }
  }
}
