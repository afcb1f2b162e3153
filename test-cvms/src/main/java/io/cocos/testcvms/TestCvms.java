package io.cocos.testcvms;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Optional;

/**
 * cocos-test-cvms: upstream's test CVMS server (test/cvms/main.go). Agents dial it; it sends each
 * the computation manifest made from its flags and logs, as JSON lines on stdout, whatever they
 * send. Listens on HOST:PORT (default port 7001); TLS with SERVER_CERT and SERVER_KEY, mTLS with
 * CLIENT_CA_CERTS as well.
 */
public final class TestCvms {
  static final String DEFAULT_PORT = "7001";

  private TestCvms() {}

  public static void main(String[] args) throws InterruptedException {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    CvmsServer server;
    try {
      server = start(System.getenv(), out, args);
    } catch (Settings.UsageException e) {
      // as Go's log.Fatal: a date-stamped message on stderr, exit 1
      System.err.println(
          LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss "))
              + e.getMessage());
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shutdown"));
    server.awaitTermination();
  }

  /**
   * Checks the flags and the environment and starts serving.
   *
   * @throws Settings.UsageException flags or environment are wrong: the text says what
   */
  public static CvmsServer start(Map<String, String> env, PrintStream out, String... args)
      throws Settings.UsageException {
    Settings settings = Settings.parse(args);
    JsonLog log = new JsonLog(out);
    String host = env.getOrDefault("HOST", "");
    String portText = env.getOrDefault("PORT", "");
    int port;
    try {
      port = Integer.parseInt(portText.isEmpty() ? DEFAULT_PORT : portText);
    } catch (NumberFormatException e) {
      throw new Settings.UsageException("PORT \"" + portText + "\" is not a port number");
    }
    String cert = env.getOrDefault("SERVER_CERT", "");
    String key = env.getOrDefault("SERVER_KEY", "");
    if (cert.isEmpty() != key.isEmpty()) {
      throw new Settings.UsageException("SERVER_CERT and SERVER_KEY go together");
    }
    Optional<CvmsServer.Tls> tls =
        cert.isEmpty()
            ? Optional.empty()
            : Optional.of(
                new CvmsServer.Tls(
                    Path.of(cert),
                    Path.of(key),
                    optionalPath(env.get("SERVER_CA_CERTS")),
                    optionalPath(env.get("CLIENT_CA_CERTS"))));
    InetSocketAddress address =
        host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    CvmsServer server;
    try {
      server = CvmsServer.start(address, tls, settings, log);
    } catch (IOException | IllegalArgumentException e) {
      throw new Settings.UsageException(
          "failed to start cvms_test_server gRPC server on "
              + host
              + ":"
              + port
              + ": "
              + e.getMessage());
    }
    log.info(
        "cvms_test_server service gRPC server listening at "
            + host
            + ":"
            + server.port()
            + " "
            + server.security());
    return server;
  }

  private static Optional<Path> optionalPath(String value) {
    return value == null || value.isEmpty() ? Optional.empty() : Optional.of(Path.of(value));
  }
}
