package io.cocos.manager.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.cocos.manager.core.config.ConfigException;
import io.cocos.manager.core.config.Env;
import io.cocos.manager.core.testing.ManagerEnvironments;
import io.cocos.manager.core.testing.TestPki;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Start-up with hostile or broken configuration, TLS files above all: each is refused before
 * anything starts (no state directory made, so restore never ran; both ports still free), with one
 * short line naming the variable and, for a file, the file. (Exit code 2 and the console without a
 * stack trace: ManagerProcessIT.)
 */
class HostileConfigTest {
  @TempDir Path tmp;

  /** Files a case may point variables at, all made fresh per case. */
  record Files4(
      Path cert,
      Path key,
      Path otherKey,
      Path ca,
      Path notPem,
      Path empty,
      Path dir,
      Path missing) {}

  static Files4 files(Path dir) throws IOException {
    TestPki pki = new TestPki("config-ca");
    pki.issue("manager").writeTo(dir, "server");
    pki.issue("other").writeTo(dir, "other");
    Path ca = pki.writeCa(dir.resolve("ca.pem"));
    Path notPem = Files.writeString(dir.resolve("not.pem"), "this is not PEM\n");
    Path empty = Files.writeString(dir.resolve("empty.pem"), "");
    Path sub = Files.createDirectories(dir.resolve("a-directory"));
    return new Files4(
        dir.resolve("server.crt"),
        dir.resolve("server.key"),
        dir.resolve("other.key"),
        ca,
        notPem,
        empty,
        sub,
        dir.resolve("missing.pem"));
  }

  static Arguments c(String name, String variable, BiConsumer<Map<String, String>, Files4> set) {
    return Arguments.of(name, variable, set);
  }

  static Stream<Arguments> cases() {
    String grpcCert = "MANAGER_GRPC_SERVER_CERT";
    String grpcKey = "MANAGER_GRPC_SERVER_KEY";
    String clientCa = "MANAGER_GRPC_CLIENT_CA_CERTS";
    String httpCert = "MANAGER_HTTP_SERVER_CERT";
    String httpKey = "MANAGER_HTTP_SERVER_KEY";
    String cmsCert = "MANAGER_GRPC_CLIENT_CERT";
    String cmsKey = "MANAGER_GRPC_CLIENT_KEY";
    String cmsCa = "MANAGER_GRPC_SERVER_CA_CERTS";
    return Stream.of(
        c(
            "gRPC certificate not PEM",
            grpcCert,
            (e, f) -> {
              e.put(grpcCert, f.notPem().toString());
              e.put(grpcKey, f.key().toString());
            }),
        c(
            "gRPC key not PEM",
            grpcKey,
            (e, f) -> {
              e.put(grpcCert, f.cert().toString());
              e.put(grpcKey, f.notPem().toString());
            }),
        c(
            "gRPC certificate a directory",
            grpcCert,
            (e, f) -> {
              e.put(grpcCert, f.dir().toString());
              e.put(grpcKey, f.key().toString());
            }),
        c(
            "gRPC key a directory",
            grpcKey,
            (e, f) -> {
              e.put(grpcCert, f.cert().toString());
              e.put(grpcKey, f.dir().toString());
            }),
        c(
            "gRPC key of another certificate",
            grpcKey,
            (e, f) -> {
              e.put(grpcCert, f.cert().toString());
              e.put(grpcKey, f.otherKey().toString());
            }),
        c("gRPC certificate without key", grpcKey, (e, f) -> e.put(grpcCert, f.cert().toString())),
        c("gRPC key without certificate", grpcCert, (e, f) -> e.put(grpcKey, f.key().toString())),
        c(
            "gRPC certificate missing",
            grpcCert,
            (e, f) -> {
              e.put(grpcCert, f.missing().toString());
              e.put(grpcKey, f.key().toString());
            }),
        c(
            "gRPC certificate empty",
            grpcCert,
            (e, f) -> {
              e.put(grpcCert, f.empty().toString());
              e.put(grpcKey, f.key().toString());
            }),
        c(
            "gRPC key file holding a certificate",
            grpcKey,
            (e, f) -> {
              e.put(grpcCert, f.cert().toString());
              e.put(grpcKey, f.cert().toString());
            }),
        c(
            "gRPC certificate file holding a key",
            grpcCert,
            (e, f) -> {
              e.put(grpcCert, f.key().toString());
              e.put(grpcKey, f.key().toString());
            }),
        c(
            "client CA not PEM",
            clientCa,
            (e, f) -> {
              e.put(grpcCert, f.cert().toString());
              e.put(grpcKey, f.key().toString());
              e.put(clientCa, f.notPem().toString());
            }),
        c(
            "client CA holding a key",
            clientCa,
            (e, f) -> {
              e.put(grpcCert, f.cert().toString());
              e.put(grpcKey, f.key().toString());
              e.put(clientCa, f.key().toString());
            }),
        c(
            "client CA a directory",
            clientCa,
            (e, f) -> {
              e.put(grpcCert, f.cert().toString());
              e.put(grpcKey, f.key().toString());
              e.put(clientCa, f.dir().toString());
            }),
        c("client CA without TLS", grpcCert, (e, f) -> e.put(clientCa, f.ca().toString())),
        c(
            "HTTP certificate not PEM",
            httpCert,
            (e, f) -> {
              e.put(httpCert, f.notPem().toString());
              e.put(httpKey, f.key().toString());
            }),
        c(
            "HTTP key of another certificate",
            httpKey,
            (e, f) -> {
              e.put(httpCert, f.cert().toString());
              e.put(httpKey, f.otherKey().toString());
            }),
        c("HTTP certificate without key", httpKey, (e, f) -> e.put(httpCert, f.cert().toString())),
        c("HTTP key without certificate", httpCert, (e, f) -> e.put(httpKey, f.key().toString())),
        c(
            "HTTP key a directory",
            httpKey,
            (e, f) -> {
              e.put(httpCert, f.cert().toString());
              e.put(httpKey, f.dir().toString());
            }),
        c(
            "CMS client key of another certificate",
            cmsKey,
            (e, f) -> {
              e.put("MANAGER_CMS_URL", "127.0.0.1:1");
              e.put(cmsCert, f.cert().toString());
              e.put(cmsKey, f.otherKey().toString());
            }),
        c(
            "CMS client key not PEM",
            cmsKey,
            (e, f) -> {
              e.put("MANAGER_CMS_URL", "127.0.0.1:1");
              e.put(cmsCert, f.cert().toString());
              e.put(cmsKey, f.notPem().toString());
            }),
        c(
            "CMS server CA a directory",
            cmsCa,
            (e, f) -> {
              e.put("MANAGER_CMS_URL", "127.0.0.1:1");
              e.put(cmsCa, f.dir().toString());
            }),
        c(
            "CMS server CA empty",
            cmsCa,
            (e, f) -> {
              e.put("MANAGER_CMS_URL", "127.0.0.1:1");
              e.put(cmsCa, f.empty().toString());
            }),
        c(
            "HTTP client CA without TLS",
            httpCert,
            (e, f) -> e.put("MANAGER_HTTP_CLIENT_CA_CERTS", f.ca().toString())),
        c(
            "HTTP client CA a directory",
            "MANAGER_HTTP_CLIENT_CA_CERTS",
            (e, f) -> {
              e.put(httpCert, f.cert().toString());
              e.put(httpKey, f.key().toString());
              e.put("MANAGER_HTTP_CLIENT_CA_CERTS", f.dir().toString());
            }),
        c(
            "web console actions without the console",
            "MANAGER_HTTP_UI_ACTIONS",
            (e, f) -> e.put("MANAGER_HTTP_UI_ACTIONS", "true")),
        c(
            "web console on all addresses without TLS",
            "MANAGER_HTTP_HOST",
            (e, f) -> {
              e.put("MANAGER_HTTP_UI", "true");
              e.put("MANAGER_HTTP_HOST", "0.0.0.0");
            }),
        c(
            "web console on all addresses with TLS but no client CA",
            "MANAGER_HTTP_HOST",
            (e, f) -> {
              e.put("MANAGER_HTTP_UI", "true");
              e.put("MANAGER_HTTP_HOST", "::");
              e.put(httpCert, f.cert().toString());
              e.put(httpKey, f.key().toString());
            }),
        c(
            "web console on a host name that is not localhost",
            "MANAGER_HTTP_HOST",
            (e, f) -> {
              e.put("MANAGER_HTTP_UI", "true");
              e.put("MANAGER_HTTP_HOST", "localhost.example");
            }),
        c(
            "web console with no streams",
            "MANAGER_HTTP_UI_MAX_STREAMS",
            (e, f) -> {
              e.put("MANAGER_HTTP_UI", "true");
              e.put("MANAGER_HTTP_UI_MAX_STREAMS", "0");
            }),
        c(
            "a megabyte timeout",
            "MANAGER_GRPC_TIMEOUT",
            (e, f) -> e.put("MANAGER_GRPC_TIMEOUT", "9".repeat(1 << 20))),
        c(
            "a zero HTTP request timeout",
            "MANAGER_HTTP_REQUEST_TIMEOUT",
            (e, f) -> e.put("MANAGER_HTTP_REQUEST_TIMEOUT", "0s")),
        c(
            "a connection idle that is not a duration",
            "MANAGER_GRPC_MAX_CONNECTION_IDLE",
            (e, f) -> e.put("MANAGER_GRPC_MAX_CONNECTION_IDLE", "soon\nERROR")),
        c(
            "a megabyte log level",
            "MANAGER_LOG_LEVEL",
            (e, f) -> e.put("MANAGER_LOG_LEVEL", "x".repeat(1 << 20))),
        c(
            "a megabyte CMS URL",
            "MANAGER_CMS_URL",
            (e, f) -> e.put("MANAGER_CMS_URL", "h".repeat(1 << 20) + ":1")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void aBadConfigurationIsRefusedBeforeAnythingStarts(
      String name, String variable, BiConsumer<Map<String, String>, Files4> set) throws Exception {
    Files4 f = files(Files.createDirectories(tmp.resolve("tls")));
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    set.accept(env, f);
    ConfigException e =
        catchThrowableOfType(
            ConfigException.class, () -> ManagerDaemon.start(new Env(env)).close());
    assertThat(e).as("refused").isNotNull();
    assertThat(e.variable()).isEqualTo(variable);
    assertThat(e.getMessage())
        .startsWith(variable + "=")
        .hasSizeLessThanOrEqualTo(512)
        .doesNotContain("\n")
        .doesNotContain("PRIVATE KEY");
    String value = env.get(variable);
    if (value != null && value.startsWith(tmp.toString())) {
      assertThat(e.getMessage()).as("names the file").contains(value);
    }
    assertThat(tmp.resolve("state"))
        .as("nothing started: no state directory, so no restore")
        .doesNotExist();
    for (String port : new String[] {"MANAGER_GRPC_PORT", "MANAGER_HTTP_PORT"}) {
      try (ServerSocket s =
          new ServerSocket(
              Integer.parseInt(env.get(port)), 1, InetAddress.getByName("127.0.0.1"))) {
        assertThat(s.getLocalPort()).as(port + " is free").isPositive();
      }
    }
  }

  @Test
  void anExposedWebConsoleWithoutClientCertificatesIsRefusedInOneLineNamingTheVariables()
      throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    env.put("MANAGER_HTTP_UI", "true");
    env.put("MANAGER_HTTP_HOST", "192.0.2.1");
    ConfigException e =
        catchThrowableOfType(
            ConfigException.class, () -> ManagerDaemon.start(new Env(env)).close());
    assertThat(e).isNotNull();
    assertThat(e.getMessage())
        .doesNotContain("\n")
        .contains(
            "MANAGER_HTTP_UI",
            "MANAGER_HTTP_HOST",
            "MANAGER_HTTP_SERVER_CERT",
            "MANAGER_HTTP_SERVER_KEY",
            "MANAGER_HTTP_CLIENT_CA_CERTS");
  }

  @Test
  void anHttpPortInUseStopsStartUpNamingTheSetting() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
      env.put("MANAGER_HTTP_PORT", Integer.toString(taken.getLocalPort()));
      Set<Thread> before = Thread.getAllStackTraces().keySet();
      ManagerDaemon.StartupException e =
          catchThrowableOfType(
              ManagerDaemon.StartupException.class,
              () -> ManagerDaemon.start(new Env(env)).close());
      assertThat(e).isNotNull();
      assertThat(e.getMessage())
          .startsWith(
              "cannot serve on 127.0.0.1:"
                  + taken.getLocalPort()
                  + " (MANAGER_HTTP_HOST, MANAGER_HTTP_PORT)")
          .doesNotContain("\n");
      // The endpoint is started beside the lifecycle and the gRPC server: what those made is closed
      // too.
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(Thread.getAllStackTraces().keySet())
                      .filteredOn(t -> t.isAlive() && !before.contains(t))
                      .extracting(Thread::getName)
                      .noneMatch(
                          name ->
                              name.startsWith("cvm-")
                                  || name.startsWith("grpc-streams")
                                  || name.endsWith("-setup")
                                  || name.startsWith("BatchSpanProcessor")));
      // and the state directory's lock was released: a manager starts on it
      env.put("MANAGER_HTTP_PORT", "0");
      ManagerDaemon.start(new Env(env)).close();
    }
  }
}
