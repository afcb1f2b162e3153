package io.cocos.manager.core.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The probe against real sockets: an answering server, one that accepts and closes, and none. */
class Http2AgentProbeTest {
  private final Http2AgentProbe probe = new Http2AgentProbe("127.0.0.1", Duration.ofSeconds(2));

  @Test
  void aServerThatAnswersThePrefaceIsReadyAndGotThePreface() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<byte[]> received =
          CompletableFuture.supplyAsync(
              () -> {
                try (Socket s = server.accept();
                    InputStream in = s.getInputStream()) {
                  byte[] preface = in.readNBytes(Http2AgentProbe.HTTP2_PREFACE.length);
                  s.getOutputStream()
                      .write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // the server's SETTINGS
                  return preface;
                } catch (Exception e) {
                  throw new CompletionException(e);
                }
              });

      assertThat(probe.answers(server.getLocalPort()).get(5, TimeUnit.SECONDS)).isTrue();
      assertThat(received.get(5, TimeUnit.SECONDS)).isEqualTo(Http2AgentProbe.HTTP2_PREFACE);
    }
  }

  @Test
  void aConnectionAcceptedThenClosedWithoutAByteIsNotReady() throws Exception {
    // QEMU's user-mode network does this while nothing in the guest listens
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture.runAsync(
          () -> {
            try (Socket s = server.accept()) {
              s.getInputStream().readNBytes(1);
            } catch (Exception e) {
              throw new CompletionException(e);
            }
          });
      assertThat(probe.answers(server.getLocalPort()).get(5, TimeUnit.SECONDS)).isFalse();
    }
  }

  @Test
  void aConnectionHeldSilentIsNotReadyAfterTheTimeoutAndManyWaitOnOneThread() throws Exception {
    // QEMU's user-mode network holds the host connection while it tries a guest still booting
    Http2AgentProbe quick = new Http2AgentProbe("127.0.0.1", Duration.ofMillis(300));
    try (ServerSocket server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress())) {
      long probeThreadsBefore = probeThreads();
      List<CompletableFuture<Boolean>> probes = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        probes.add(quick.answers(server.getLocalPort())); // accepted by the backlog, never answered
      }
      assertThat(probeThreads()).as("this probe's one thread").isEqualTo(probeThreadsBefore + 1);
      for (CompletableFuture<Boolean> probe : probes) {
        assertThat(probe.get(5, TimeUnit.SECONDS)).isFalse();
      }
    }
  }

  private static long probeThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("agent-probe"))
        .count();
  }

  @Test
  void nobodyListeningIsNotReady() throws Exception {
    int port;
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = server.getLocalPort();
    }
    assertThat(probe.answers(port).get(5, TimeUnit.SECONDS)).isFalse();
  }
}
