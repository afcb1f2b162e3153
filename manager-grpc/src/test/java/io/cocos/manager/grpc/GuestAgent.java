package io.cocos.manager.grpc;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The test guest's stand-in agent (build/guest): on the CVM's forwarded port it answers with a
 * report of what the guest was given (environment, files and their hashes), ending with "end".
 */
public final class GuestAgent {
  private GuestAgent() {}

  /** Polls the forwarded port until the agent answers with its full report. */
  public static String awaitReport(int port, Duration within) {
    try {
      return await()
          .atMost(within)
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () -> readReport(port),
              text -> text.startsWith("cocos-test-agent report") && text.strip().endsWith("end"));
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("the guest did not answer on port " + port + " within " + within, e);
    }
  }

  /** What the forwarded port answers; empty while nothing listens behind it. */
  private static String readReport(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      s.setSoTimeout(5000);
      try (InputStream in = s.getInputStream()) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      // QEMU accepts before the guest listens; try again
      return "";
    }
  }
}
