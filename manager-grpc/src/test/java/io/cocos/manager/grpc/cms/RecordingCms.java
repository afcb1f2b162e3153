package io.cocos.manager.grpc.cms;

import io.cocos.manager.cms.api.CmsMessage;
import io.cocos.manager.cms.api.ConsoleLine;
import io.cocos.manager.cms.api.Hello;
import io.cocos.manager.cms.api.LifecycleEvent;
import io.cocos.manager.cms.api.ManagerMessage;
import io.cocos.manager.cms.api.Request;
import io.cocos.manager.cms.api.Response;
import io.cocos.testcms.CmsServer;
import io.cocos.testcms.ManagerSession;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/** The test CMS's server in the test's JVM, remembering everything managers send it. */
final class RecordingCms implements AutoCloseable {
  final CmsServer server;
  final List<ManagerMessage> received = new CopyOnWriteArrayList<>();
  final List<String> disconnects = new CopyOnWriteArrayList<>();
  final List<ManagerSession> sessions = new CopyOnWriteArrayList<>();

  private RecordingCms(int port, Optional<CmsServer.Tls> tls) throws IOException {
    server =
        CmsServer.start(
            "127.0.0.1",
            port,
            tls,
            new CmsServer.Listener() {
              @Override
              public void onConnected(ManagerSession session) {
                sessions.add(session);
              }

              @Override
              public void onMessage(ManagerSession session, ManagerMessage message) {
                received.add(message);
              }

              @Override
              public void onDisconnected(ManagerSession session, String reason) {
                disconnects.add(reason);
              }
            });
  }

  static RecordingCms start(int port) throws IOException {
    return new RecordingCms(port, Optional.empty());
  }

  static RecordingCms start(int port, CmsServer.Tls tls) throws IOException {
    return new RecordingCms(port, Optional.of(tls));
  }

  int port() {
    return server.port();
  }

  List<Hello> hellos() {
    return received.stream()
        .filter(ManagerMessage::hasHello)
        .map(ManagerMessage::getHello)
        .toList();
  }

  List<LifecycleEvent> events() {
    return received.stream()
        .filter(ManagerMessage::hasEvent)
        .map(ManagerMessage::getEvent)
        .toList();
  }

  List<ConsoleLine> consoleLines() {
    return received.stream()
        .filter(ManagerMessage::hasConsoleLines)
        .flatMap(m -> m.getConsoleLines().getLinesList().stream())
        .toList();
  }

  List<Response> responses(String requestId) {
    return received.stream()
        .filter(ManagerMessage::hasResponse)
        .map(ManagerMessage::getResponse)
        .filter(r -> r.getRequestId().equals(requestId))
        .toList();
  }

  Hello awaitHello(int count, Duration timeout) throws InterruptedException {
    await(() -> hellos().size() >= count, timeout, "hello number " + count);
    return hellos().get(count - 1);
  }

  Response awaitResponse(String requestId, Duration timeout) throws InterruptedException {
    await(() -> !responses(requestId).isEmpty(), timeout, "the response to " + requestId);
    return responses(requestId).get(0);
  }

  LifecycleEvent awaitEvent(Predicate<LifecycleEvent> wanted, Duration timeout)
      throws InterruptedException {
    await(() -> events().stream().anyMatch(wanted), timeout, "such an event");
    return events().stream().filter(wanted).findFirst().orElseThrow();
  }

  ConsoleLine awaitConsoleLine(Predicate<ConsoleLine> wanted, Duration timeout)
      throws InterruptedException {
    await(() -> consoleLines().stream().anyMatch(wanted), timeout, "such a console line");
    return consoleLines().stream().filter(wanted).findFirst().orElseThrow();
  }

  /** Sends a request with a fresh id to the manager that connected last; returns the id. */
  String request(Request.Builder operation) {
    String id = UUID.randomUUID().toString();
    send(operation.setRequestId(id).build());
    return id;
  }

  void send(Request request) {
    latestSession().send(CmsMessage.newBuilder().setRequest(request).build());
  }

  void terminate(String reason) {
    latestSession().terminate(reason);
  }

  private ManagerSession latestSession() {
    return server.latestSession().orElseThrow(() -> new AssertionError("no manager is connected"));
  }

  /** Stops at once, as a crashed CMS would. */
  @Override
  public void close() {
    server.close();
  }

  private void await(BooleanSupplier condition, Duration timeout, String what) {
    try {
      Awaitility.await()
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(50))
          .until(condition::getAsBoolean);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          "no "
              + what
              + " within "
              + timeout
              + "; received: "
              + received
              + "; disconnects: "
              + disconnects,
          e);
    }
  }
}
