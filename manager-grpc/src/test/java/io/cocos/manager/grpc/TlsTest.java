package io.cocos.manager.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cocos.manager.api.ListVmsReq;
import io.cocos.manager.api.ManagerServiceGrpc;
import io.cocos.manager.core.config.Env;
import io.cocos.manager.core.testing.ManagerEnvironments;
import io.cocos.manager.core.testing.TestPki;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS and mTLS on the manager's API, with certificates the test makes. */
class TlsTest {
  @TempDir Path tmp;
  final TestPki serverPki = new TestPki("server-ca");
  final TestPki clientPki = new TestPki("client-ca");
  final TestPki strangerPki = new TestPki("stranger-ca");
  ManagerDaemon daemon;
  ManagedChannel channel;

  Map<String, String> env;

  @BeforeEach
  void environment() throws Exception {
    env = ManagerEnvironments.fakeQemuEnv(tmp);
    serverPki.issue("manager").writeTo(tmp.resolve("pki"), "server");
    env.put("MANAGER_GRPC_SERVER_CERT", tmp.resolve("pki/server.crt").toString());
    env.put("MANAGER_GRPC_SERVER_KEY", tmp.resolve("pki/server.key").toString());
  }

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (daemon != null) {
      daemon.close();
    }
  }

  int listOver(SslContextBuilder tls) throws Exception {
    channel =
        NettyChannelBuilder.forAddress("localhost", daemon.grpcPort())
            .sslContext(GrpcSslContexts.configure(tls).build())
            .build();
    return ManagerServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .listVms(ListVmsReq.getDefaultInstance())
        .getCvmsCount();
  }

  SslContextBuilder trustingServer() throws Exception {
    return SslContextBuilder.forClient()
        .trustManager(serverPki.writeCa(tmp.resolve("pki/server-ca.pem")).toFile());
  }

  @Test
  void tlsServesClientsThatTrustItsCaAndRefusesPlaintext() throws Exception {
    daemon = ManagerDaemon.start(new Env(env));
    assertThat(daemon.serverConfig().securityDescription()).isEqualTo("with TLS");
    assertThat(listOver(trustingServer())).isZero();

    ManagedChannel plain =
        NettyChannelBuilder.forAddress("localhost", daemon.grpcPort()).usePlaintext().build();
    try {
      assertThatThrownBy(
              () ->
                  ManagerServiceGrpc.newBlockingStub(plain)
                      .withDeadlineAfter(5, TimeUnit.SECONDS)
                      .listVms(ListVmsReq.getDefaultInstance()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    } finally {
      plain.shutdownNow();
    }
  }

  @Test
  void mtlsAcceptsOnlyClientsWithACertificateFromItsClientCa() throws Exception {
    env.put(
        "MANAGER_GRPC_CLIENT_CA_CERTS",
        clientPki.writeCa(tmp.resolve("pki/client-ca.pem")).toString());
    daemon = ManagerDaemon.start(new Env(env));
    assertThat(daemon.serverConfig().securityDescription()).isEqualTo("with mTLS");

    clientPki.issue("operator").writeTo(tmp.resolve("pki"), "operator");
    assertThat(
            listOver(
                trustingServer()
                    .keyManager(
                        tmp.resolve("pki/operator.crt").toFile(),
                        tmp.resolve("pki/operator.key").toFile())))
        .isZero();
    channel.shutdownNow();

    assertThatThrownBy(() -> listOver(trustingServer()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    channel.shutdownNow();

    strangerPki.issue("intruder").writeTo(tmp.resolve("pki"), "intruder");
    assertThatThrownBy(
            () ->
                listOver(
                    trustingServer()
                        .keyManager(
                            tmp.resolve("pki/intruder.crt").toFile(),
                            tmp.resolve("pki/intruder.key").toFile())))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }
}
