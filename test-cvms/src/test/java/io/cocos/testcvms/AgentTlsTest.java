package io.cocos.testcvms;

import static org.assertj.core.api.Assertions.assertThat;

import io.cocos.cli.ExitCode;
import io.cocos.manager.core.testing.TestPki;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cocos-cli's agent commands over TLS and mTLS, from the AGENT_GRPC_* variables. */
class AgentTlsTest {
  @TempDir Path dir;

  @Test
  void tlsAndMutualTlsToTheAgent() throws Exception {
    TestPki pki = new TestPki("agent-test-ca");
    pki.issue("localhost").writeTo(dir, "agent");
    pki.issue("user").writeTo(dir, "user");
    Path ca = pki.writeCa(dir.resolve("ca.pem"));
    Path keys = Walkthrough.keys(dir, "ed25519");
    Path algo = Files.writeString(dir.resolve("algo.sh"), AgentCommandsTest.ECHO_BIN);
    String key = keys.resolve("private.pem").toString();
    SslContext mtls =
        GrpcSslContexts.configure(
                SslContextBuilder.forServer(
                        dir.resolve("agent.crt").toFile(), dir.resolve("agent.key").toFile())
                    .trustManager(ca.toFile())
                    .clientAuth(ClientAuth.REQUIRE))
            .build();
    try (CvmsServer cvms =
            TestCvms.start(
                Map.of("HOST", "127.0.0.1", "PORT", "0"),
                new PrintStream(new ByteArrayOutputStream()),
                Walkthrough.flags(algo, keys.resolve("public.pem")));
        StandInAgent agent =
            StandInAgent.dial(
                "127.0.0.1:" + cvms.port(),
                NettyChannelBuilder::usePlaintext,
                Files.createDirectories(dir.resolve("agent")),
                mtls)) {
      agent.manifest().get(10, TimeUnit.SECONDS);
      String url = "localhost:" + agent.port();

      Walkthrough.Run withoutIdentity =
          Walkthrough.cliIn(
              dir,
              Map.of("AGENT_GRPC_URL", url, "AGENT_GRPC_SERVER_CA_CERTS", ca.toString()),
              "algo",
              algo.toString(),
              key);
      assertThat(withoutIdentity.code()).isEqualTo(ExitCode.UNREACHABLE);
      assertThat(withoutIdentity.err())
          .startsWith(
              "❌ Failed to upload algorithm due to error: agent unreachable at " + url + ": ")
          .contains("AGENT_GRPC_CLIENT_CERT")
          .doesNotContain("MANAGER");

      // A CA that did not sign the agent's certificate, in a directory named for the manager: the
      // path is shown as given.
      Path strangerCa =
          new TestPki("someone-else").writeCa(dir.resolve("etc/cocos-manager/ca.pem"));
      Walkthrough.Run untrusted =
          Walkthrough.cliIn(
              dir,
              Map.of(
                  "AGENT_GRPC_URL",
                  url,
                  "AGENT_GRPC_SERVER_CA_CERTS",
                  strangerCa.toString(),
                  "AGENT_GRPC_CLIENT_CERT",
                  "user.crt",
                  "AGENT_GRPC_CLIENT_KEY",
                  "user.key"),
              "algo",
              algo.toString(),
              key);
      assertThat(untrusted.code()).isEqualTo(ExitCode.UNREACHABLE);
      assertThat(untrusted.err())
          .isEqualTo(
              "❌ Failed to upload algorithm due to error: agent unreachable at "
                  + url
                  + ": TLS handshake failed: the agent's certificate is not trusted by "
                  + strangerCa
                  + "\n");

      Walkthrough.Run halfIdentity =
          Walkthrough.cliIn(
              dir,
              Map.of("AGENT_GRPC_URL", url, "AGENT_GRPC_CLIENT_CERT", "user.crt"),
              "algo",
              algo.toString(),
              key);
      assertThat(halfIdentity.code()).isEqualTo(ExitCode.LOCAL);
      assertThat(halfIdentity.err())
          .isEqualTo(
              "❌ AGENT_GRPC_CLIENT_CERT is set but AGENT_GRPC_CLIENT_KEY is not: mTLS needs both\n");

      Walkthrough.Run mutual =
          Walkthrough.cliIn(
              dir,
              Map.of(
                  "AGENT_GRPC_URL", url,
                  "AGENT_GRPC_SERVER_CA_CERTS", ca.toString(),
                  "AGENT_GRPC_CLIENT_CERT", "user.crt",
                  "AGENT_GRPC_CLIENT_KEY", "user.key",
                  // a manager's variables are not the agent's
                  "MANAGER_GRPC_URL", "localhost:1"),
              "algo",
              algo.toString(),
              key);
      assertThat(mutual.code()).as(mutual.err()).isZero();
      assertThat(mutual.out())
          .contains("🔗 Connected to agent with mTLS")
          .contains("Successfully uploaded algorithm! ✔");
    }
  }
}
