package io.cocos.testcms;

import io.cocos.manager.cms.api.CmsMessage;
import io.cocos.manager.cms.api.ManagerMessage;
import io.cocos.manager.cms.api.Terminate;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * cocos-test-cms: a stand-in Computation Management service. Managers started with MANAGER_CMS_URL
 * pointing here connect to it; it prints everything they send as JSON lines on stdout and sends
 * them the requests typed on stdin (see {@link Commands}).
 */
@Command(
    name = "cocos-test-cms",
    mixinStandardHelpOptions = true,
    version = "cocos-test-cms",
    description =
        "A stand-in Computation Management service for trying the manager's link (MANAGER_CMS_URL). "
            + "Prints every message a manager sends as one JSON line on stdout; reads commands from stdin, one a line "
            + "(type help). Stops on quit, Ctrl-C or SIGTERM; not at the end of stdin.",
    sortOptions = false)
public final class TestCms implements Callable<Integer>, Commands.Operator, CmsServer.Listener {
  static final int EXIT_BAD_USAGE = 2;
  static final int EXIT_CANNOT_LISTEN = 1;

  @Option(
      names = "--host",
      defaultValue = "0.0.0.0",
      description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(
      names = "--port",
      defaultValue = "7010",
      description = "Port to listen on (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--cert",
      paramLabel = "FILE",
      description = "PEM certificate of this CMS: serve TLS (with --key).")
  Path cert;

  @Option(names = "--key", paramLabel = "FILE", description = "PEM private key of this CMS.")
  Path key;

  @Option(
      names = "--client-ca",
      paramLabel = "FILE",
      description = "PEM CA bundle: require managers to present a certificate it signed (mTLS).")
  Path clientCa;

  @Option(
      names = "--send",
      paramLabel = "COMMAND",
      description =
          "A command sent once, to the first manager that says hello, e.g. --send 'create --ttl 5m'. "
              + "Repeatable; sent in order.")
  List<String> oneShot = new ArrayList<>();

  private final JsonLines out;
  private final String runId =
      HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
  private final AtomicLong requests = new AtomicLong();
  private final AtomicBoolean oneShotPending = new AtomicBoolean();
  private final List<Commands.Step> oneShotSteps = new ArrayList<>();
  private volatile CmsServer server;
  private volatile boolean quitting;

  TestCms(PrintStream stdout) {
    this.out = new JsonLines(stdout);
  }

  public static void main(String[] args) {
    PrintStream stdout = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    System.exit(new CommandLine(new TestCms(stdout)).execute(args));
  }

  @Override
  public Integer call() throws InterruptedException {
    if ((cert == null) != (key == null)) {
      System.err.println("cocos-test-cms: --cert and --key go together");
      return EXIT_BAD_USAGE;
    }
    if (clientCa != null && cert == null) {
      System.err.println("cocos-test-cms: --client-ca (mTLS) needs --cert and --key");
      return EXIT_BAD_USAGE;
    }
    for (String command : oneShot) {
      try {
        Commands.Step step = Commands.parse(command);
        if (step != null) {
          oneShotSteps.add(step);
        }
      } catch (Commands.CommandException e) {
        System.err.println("cocos-test-cms: --send '" + command + "': " + e.getMessage());
        return EXIT_BAD_USAGE;
      }
    }
    oneShotPending.set(!oneShotSteps.isEmpty());
    Optional<CmsServer.Tls> tls =
        cert == null
            ? Optional.empty()
            : Optional.of(new CmsServer.Tls(cert, key, Optional.ofNullable(clientCa)));
    try {
      server = CmsServer.start(host, port, tls, this);
    } catch (IOException | IllegalArgumentException e) {
      System.err.println(
          "cocos-test-cms: cannot listen on " + host + ":" + port + ": " + e.getMessage());
      return EXIT_CANNOT_LISTEN;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shutdown"));
    out.listening(server.port(), server.securityDescription());
    readCommands();
    if (!quitting) {
      server.awaitTermination(); // stdin ended: keep serving until stopped by a signal
    }
    return 0;
  }

  private void readCommands() {
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      String line;
      while (!quitting && (line = in.readLine()) != null) {
        runQuietly(line);
      }
    } catch (IOException e) {
      out.error("cannot read stdin: " + e.getMessage());
    }
  }

  private void runQuietly(String line) {
    try {
      Commands.Step step = Commands.parse(line);
      if (step != null) {
        step.run(this);
      }
    } catch (Commands.CommandException e) {
      out.error(e.getMessage());
    }
  }

  // ------------------------------------------------------------- what the server reports

  @Override
  public void onConnected(ManagerSession session) {
    out.connected(session);
  }

  @Override
  public void onMessage(ManagerSession session, ManagerMessage message) {
    out.received(session, message);
    if (message.hasHello() && oneShotPending.compareAndSet(true, false)) {
      for (Commands.Step step : oneShotSteps) {
        try {
          step.run(this);
        } catch (Commands.CommandException e) {
          out.error(e.getMessage());
        }
      }
    }
  }

  @Override
  public void onDisconnected(ManagerSession session, String reason) {
    out.disconnected(session, reason);
  }

  // ------------------------------------------------------------- what commands act on

  @Override
  public ManagerSession target(String instanceId) throws Commands.CommandException {
    if (instanceId == null) {
      return server
          .latestSession()
          .orElseThrow(() -> new Commands.CommandException("no manager is connected"));
    }
    return server.sessions().stream()
        .filter(s -> s.name().equals(instanceId))
        .findFirst()
        .orElseThrow(
            () -> new Commands.CommandException("no manager " + instanceId + " is connected"));
  }

  /**
   * Ids unique across runs of the test CMS: a manager remembers ids, so "1" again would not run.
   */
  @Override
  public String nextRequestId() {
    return runId + "-" + requests.incrementAndGet();
  }

  @Override
  public void send(ManagerSession session, CmsMessage message) throws Commands.CommandException {
    try {
      session.send(message);
    } catch (IllegalStateException e) {
      throw new Commands.CommandException(e.getMessage());
    }
    out.sent(session, message);
  }

  @Override
  public void terminate(ManagerSession session, String reason) throws Commands.CommandException {
    if (!session.isOpen()) {
      throw new Commands.CommandException("manager " + session.name() + " has disconnected");
    }
    // reported first: the session reports its own end as soon as it has sent this
    out.sent(
        session,
        CmsMessage.newBuilder().setTerminate(Terminate.newBuilder().setReason(reason)).build());
    try {
      session.terminate(reason);
    } catch (IllegalStateException e) {
      throw new Commands.CommandException(e.getMessage());
    }
  }

  @Override
  public void listManagers() {
    out.managers(server.sessions());
  }

  @Override
  public void help(String text) {
    out.text(text);
  }

  @Override
  public void quit() {
    quitting = true;
    server.close();
  }
}
