package io.cocos.manager.grpc.cms;

import com.google.protobuf.Timestamp;
import io.cocos.manager.api.ListVmsReq;
import io.cocos.manager.api.ListVmsRes;
import io.cocos.manager.api.ManagerServiceGrpc;
import io.cocos.manager.cms.api.CmsMessage;
import io.cocos.manager.cms.api.ComputationManagementServiceGrpc;
import io.cocos.manager.cms.api.ConsoleLines;
import io.cocos.manager.cms.api.GuestInfo;
import io.cocos.manager.cms.api.Hello;
import io.cocos.manager.cms.api.LifecycleEvent;
import io.cocos.manager.cms.api.ManagerMessage;
import io.cocos.manager.cms.api.Response;
import io.cocos.manager.core.concurrent.DaemonThreads;
import io.cocos.manager.core.config.BoundedText;
import io.cocos.manager.core.event.CvmEvent;
import io.cocos.manager.core.event.CvmEvents;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.netty.channel.ChannelOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's link to the Computation Management service (cms.proto): dials MANAGER_CMS_URL at
 * start-up and keeps one Connect stream open for the manager's whole life. On each stream it says
 * hello first, then runs the CMS's requests and pushes its CVMs' lifecycle events and console
 * lines. When the stream breaks or cannot be opened it tries again, forever, 1 s after the failure
 * and then with delays doubling up to 60 s ({@link ReconnectBackoff}); a stream that stayed up for
 * {@link #HEALTHY_SESSION} starts the delays over. Each new delay level is logged once, not every
 * attempt (and the reason again whenever it changes). The gRPC API does not depend on any of this:
 * the link can be down for days and cocos-cli still works.
 *
 * <h2>Concurrency</h2>
 *
 * <ul>
 *   <li>One thread, "cms-link", owns the connection: it dials, sends every message, ends streams
 *       and schedules the next attempt. The current {@link Session}, the backoff and the logging
 *       memory are touched only there, so they need no lock, and gRPC's stream (which is not
 *       thread-safe) is only ever written from there.
 *   <li>gRPC calls back on its own threads (stream ready, a message from the CMS, the end of the
 *       stream). Those callbacks do nothing but hand work to the link thread, or a request to
 *       {@link CmsRequests}'s pool, whose answer is queued on the session it came from (a
 *       concurrent queue) for the link thread to send.
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
 * <p>Every attempt gets a channel of its own, closed with its stream: a reused channel would apply
 * its own reconnect backoff (up to two minutes) on top of ours.
 */
public final class CmsLink implements AutoCloseable {
  static final int EVENT_CAPACITY = 10_000;
  static final int CONSOLE_LINE_CAPACITY = 10_000;

  /** A stream that lasted this long was healthy: the next outage starts the delays over at 1 s. */
  static final Duration HEALTHY_SESSION = Duration.ofSeconds(10);

  /** HTTP/2 pings on a quiet connection, so a CMS that vanished is noticed within ~15 s. */
  static final Duration KEEPALIVE_TIME = Duration.ofSeconds(10);

  static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(5);

  /** TCP connect, then TLS and HTTP/2 set-up, must each finish within this. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  static final Duration ESTABLISH_TIMEOUT = Duration.ofSeconds(20);

  /** Console lines wait this long for more to share their message. */
  static final Duration CONSOLE_LINGER = Duration.ofMillis(100);

  static final int MAX_BATCH_LINES = 500;
  static final int MAX_BATCH_BYTES = 1 << 20;
  static final Duration HELLO_LIST_TIMEOUT = Duration.ofSeconds(10);

  private static final Logger log = LoggerFactory.getLogger(CmsLink.class);

  private final CmsLinkConfig config;
  private final ManagerDescription self;
  private final Channel api;
  private final Outbox outbox;
  private final CmsRequests requests;
  private final ScheduledExecutorService linkThread =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("cms-link"));

  /** Set while a send is scheduled on the link thread, so a burst of events asks for one. */
  private final AtomicBoolean sendScheduled = new AtomicBoolean();

  private final AtomicBoolean closing = new AtomicBoolean();

  /** The event and console subscriptions, closed by close(). */
  private final java.util.List<AutoCloseable> subscriptions =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  private volatile LinkState state;

  // Touched by the link thread only.
  private final ReconnectBackoff backoff =
      new ReconnectBackoff(() -> ThreadLocalRandom.current().nextDouble());
  private Session session;
  private ScheduledFuture<?> nextAttempt;
  private Duration lastLoggedLevel;
  private String lastLoggedReason;
  private boolean closed;

  CmsLink(
      CmsLinkConfig config,
      ManagerDescription self,
      Channel api,
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
   * @param api the manager's API, in-process, which runs the CMS's requests
   */
  public static CmsLink start(
      CmsLinkConfig config, ManagerDescription self, CvmEvents lifecycle, Channel api) {
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
    NettyChannelBuilder channel =
        NettyChannelBuilder.forTarget(target())
            .keepAliveTime(KEEPALIVE_TIME.toMillis(), TimeUnit.MILLISECONDS)
            .keepAliveTimeout(KEEPALIVE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
            .keepAliveWithoutCalls(true)
            .withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CONNECT_TIMEOUT.toMillis())
            .userAgent("cocos-manager/" + self.version());
    config.tls().ifPresentOrElse(channel::sslContext, channel::usePlaintext);
    Session attempt = new Session(channel.build());
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
  private void writable(Session s) {
    if (s != session) {
      return;
    }
    if (s.establishedAt == null) {
      Outbox.Dropped dropped = outbox.droppedSoFar();
      Hello hello;
      try {
        hello = hello(dropped);
      } catch (StatusRuntimeException e) {
        end(s, "listing the CVMs for the hello failed: " + describe(e));
        return;
      }
      s.establishedAt = Instant.now();
      s.toCms.onNext(ManagerMessage.newBuilder().setHello(hello).build());
      state = LinkState.CONNECTED;
      lastLoggedLevel = null;
      lastLoggedReason = null;
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
    Session s = session;
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

  private ManagerMessage nextMessage(Session s) {
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

  private Hello hello(Outbox.Dropped dropped) {
    // answered from memory, in-process: this holds the link thread for well under a millisecond
    ListVmsRes cvms =
        ManagerServiceGrpc.newBlockingStub(api)
            .withDeadlineAfter(HELLO_LIST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
            .listVms(ListVmsReq.getDefaultInstance());
    return Hello.newBuilder()
        .setInstanceId(self.instanceId())
        .setManagerVersion(self.version())
        .setManagerStartedAt(
            Timestamp.newBuilder()
                .setSeconds(self.startedAt().getEpochSecond())
                .setNanos(self.startedAt().getNano()))
        .setTee(self.tee().wireName())
        .setGuest(
            GuestInfo.newBuilder()
                .setOvmfVersion(self.guest().ovmfVersion())
                .setCpuNum(self.guest().cpuCount())
                .setCpuType(self.guest().cpuType())
                .setKernelCmd(self.guest().kernelCommandLine())
                .setEosVersion(self.eosVersion()))
        .addAllCvms(cvms.getCvmsList())
        .setEventsDropped(dropped.events())
        .setConsoleLinesDropped(dropped.consoleLines())
        .build();
  }

  /** A stream ended (or never began): close it and schedule the next attempt. */
  private void end(Session s, String reason) {
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
    boolean wasUp = s.establishedAt != null;
    if (wasUp && Duration.between(s.establishedAt, Instant.now()).compareTo(HEALTHY_SESSION) >= 0) {
      backoff.reset();
    }
    ReconnectBackoff.Delay delay = backoff.next();
    if (wasUp || !delay.level().equals(lastLoggedLevel) || !reason.equals(lastLoggedReason)) {
      log.warn(
          "CMS link down: {}; retrying, attempts now ~{}s apart",
          reason,
          delay.level().toSeconds());
      lastLoggedLevel = delay.level();
      lastLoggedReason = reason;
    } else {
      log.debug("CMS link still down: {}; next attempt in {} ms", reason, delay.pause().toMillis());
    }
    nextAttempt =
        linkThread.schedule(this::connect, delay.pause().toMillis(), TimeUnit.MILLISECONDS);
  }

  private String target() {
    return config.cmsUrl().orElseThrow();
  }

  /**
   * One line from gRPC's words and the root cause's, such as "UNAVAILABLE: io exception (unable to
   * find valid certification path to requested target)". gRPC's description may go on with Netty's
   * pipeline on further lines: only its first line is kept.
   */
  static String describe(Throwable t) {
    Status status = Status.fromThrowable(t);
    String description =
        status.getDescription() == null
            ? null
            : status.getDescription().lines().findFirst().orElse("");
    StringBuilder text = new StringBuilder(status.getCode().toString());
    if (description != null) {
      text.append(": ").append(description);
    }
    Throwable root = t;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    if (root != t && root.getMessage() != null && !root.getMessage().equals(description)) {
      text.append(" (").append(root.getMessage().lines().findFirst().orElse("")).append(')');
    }
    return text.toString();
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
              Session s = session;
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
      Session last = ended.get(5, TimeUnit.SECONDS);
      if (last != null && !last.channel.awaitTermination(1, TimeUnit.SECONDS)) {
        last.channel.shutdownNow();
      }
      if (last != null) {
        log.info("CMS link closed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      log.warn("CMS link did not close cleanly: {}", e.toString());
    }
    linkThread.shutdownNow();
    requests.close();
  }

  /** One attempt: its channel and stream, and the answers waiting to go out on it. */
  private final class Session implements ClientResponseObserver<ManagerMessage, CmsMessage> {
    final ManagedChannel channel;
    final Queue<Response> answers = new ConcurrentLinkedQueue<>();

    /** Written in beforeStart, which runs inside connect() on the link thread; used there only. */
    ClientCallStreamObserver<ManagerMessage> toCms;

    /** Link thread only: when the stream first became writable; null before. */
    Instant establishedAt;

    Session(ManagedChannel channel) {
      this.channel = channel;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<ManagerMessage> stream) {
      toCms = stream;
      stream.setOnReadyHandler(() -> onLinkThread(() -> writable(this)));
    }

    @Override
    public void onNext(CmsMessage message) {
      switch (message.getMessageCase()) {
        case REQUEST -> requests.handle(message.getRequest(), this::answer);
        case TERMINATE ->
            onLinkThread(
                () ->
                    end(
                        this,
                        "the CMS asked the manager to disconnect: "
                            + BoundedText.of(message.getTerminate().getReason())));
        case MESSAGE_NOT_SET ->
            log.warn("CMS link: ignoring a message of a kind this manager does not know");
      }
    }

    private void answer(Response response) {
      answers.add(response);
      scheduleSend(Duration.ZERO);
    }

    @Override
    public void onError(Throwable t) {
      onLinkThread(() -> end(this, describe(t)));
    }

    @Override
    public void onCompleted() {
      onLinkThread(() -> end(this, "the CMS ended the stream"));
    }
  }
}
