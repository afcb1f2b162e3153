package io.cocos.manager.grpc.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.cocos.manager.core.config.Env;
import io.cocos.manager.core.testing.ManagerEnvironments;
import io.cocos.manager.core.testing.TestPki;
import io.cocos.manager.grpc.ManagerDaemon;
import io.grpc.inprocess.InProcessServerBuilder;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console behind TLS with client certificates (MANAGER_HTTP_CLIENT_CA_CERTS), listening on
 * every address as an exposed console would: /ui wants a certificate of that CA, /metrics and
 * /health do not (the handshake leaves it optional).
 */
class UiTlsTest {
  @TempDir Path tmp;
  ManagerDaemon daemon;

  @AfterEach
  void close() {
    if (daemon != null) {
      daemon.close();
    }
  }

  @Test
  void theConsoleWantsAClientCertificateAndMetricsDoNot() throws Exception {
    TestPki serverPki = new TestPki("http-server-ca");
    serverPki.issue("manager").writeTo(tmp.resolve("tls"), "server");
    Path serverCa = serverPki.writeCa(tmp.resolve("tls/server-ca.pem"));
    TestPki clientPki = new TestPki("operators-ca");
    clientPki.issue("operator").writeTo(tmp.resolve("tls"), "operator");
    Path clientCa = clientPki.writeCa(tmp.resolve("tls/client-ca.pem"));
    TestPki strangerPki = new TestPki("strangers-ca");
    strangerPki.issue("stranger").writeTo(tmp.resolve("tls"), "stranger");

    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    env.put("MANAGER_HTTP_UI", "true");
    env.put("MANAGER_HTTP_HOST", "0.0.0.0");
    env.put("MANAGER_HTTP_SERVER_CERT", tmp.resolve("tls/server.crt").toString());
    env.put("MANAGER_HTTP_SERVER_KEY", tmp.resolve("tls/server.key").toString());
    env.put("MANAGER_HTTP_CLIENT_CA_CERTS", clientCa.toString());
    String name = InProcessServerBuilder.generateName();
    daemon = ManagerDaemon.start(new Env(env), config -> InProcessServerBuilder.forName(name));
    String base = "https://127.0.0.1:" + daemon.httpPort();

    HttpClient anonymous = client(serverCa, null);
    assertThat(get(anonymous, base + "/ui/api/session").statusCode()).isEqualTo(403);
    assertThat(get(anonymous, base + "/ui/ui-server-probe.html").statusCode()).isEqualTo(403);
    assertThat(get(anonymous, base + "/metrics").statusCode()).isEqualTo(200);
    assertThat(get(anonymous, base + "/health/live").statusCode()).isEqualTo(200);

    HttpClient operator = client(serverCa, "operator");
    HttpResponse<String> session = get(operator, base + "/ui/api/session");
    assertThat(session.statusCode()).isEqualTo(200);
    assertThat(session.headers().firstValue("Content-Security-Policy")).contains(UiHttp.CSP);
    assertThat(get(operator, base + "/ui/ui-server-probe.html").statusCode()).isEqualTo(200);
    assertThat(get(operator, base + "/metrics").statusCode()).isEqualTo(200);

    // a certificate of another CA is refused at the handshake
    HttpClient stranger = client(serverCa, "stranger");
    boolean refused;
    try {
      refused = get(stranger, base + "/ui/api/session").statusCode() == 403;
    } catch (java.io.IOException e) {
      refused = true;
    }
    assertThat(refused).isTrue();
  }

  HttpClient client(Path serverCa, String identity) throws Exception {
    SslContextBuilder builder =
        SslContextBuilder.forClient().sslProvider(SslProvider.JDK).trustManager(serverCa.toFile());
    if (identity != null) {
      builder.keyManager(
          tmp.resolve("tls/" + identity + ".crt").toFile(),
          tmp.resolve("tls/" + identity + ".key").toFile());
    }
    SSLContext context = ((JdkSslContext) builder.build()).context();
    return HttpClient.newBuilder()
        .sslContext(context)
        .connectTimeout(Duration.ofSeconds(10))
        .version(HttpClient.Version.HTTP_1_1)
        .build();
  }

  static HttpResponse<String> get(HttpClient client, String url) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
