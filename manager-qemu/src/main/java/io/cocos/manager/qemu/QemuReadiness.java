package io.cocos.manager.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import io.cocos.manager.core.concurrent.Uninterruptibly;
import io.cocos.manager.core.config.GoDuration;
import io.cocos.manager.core.vm.VmLaunchSpec;
import io.cocos.manager.core.vm.VmStartException;
import io.cocos.manager.core.vm.VmUnstoppableException;
import io.cocos.manager.qemu.qmp.QmpClient;
import io.cocos.manager.qemu.qmp.QmpErrorException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for a freshly spawned QEMU to be ready: it answers QMP's query-status on the CVM's {@code
 * qmp.sock}. Most failures (a bad option, a missing file, a host port already taken) make QEMU exit
 * before that, and the caller then gets QEMU's own words, the tail of its console output, in the
 * {@link VmStartException}; a QEMU that failed is stopped. The QMP connection made here stays open
 * for the CVM's life: guest status, guest events, graceful power-down.
 */
final class QemuReadiness {
  private static final Logger log = LoggerFactory.getLogger(QemuReadiness.class);

  /** The tail of QEMU's output quoted in a start error: its fatal message comes last. */
  static final int START_ERROR_OUTPUT_BYTES = 4096;

  /** How often a start-up wait looks whether QEMU still lives, when nothing else wakes it. */
  private static final Duration LIVENESS_POLL = Duration.ofMillis(10);

  /**
   * How often a starting QEMU's QMP socket is looked for: a failed connect and a /proc read cost
   * microseconds, while each millisecond between the socket's appearance and our connect is
   * CreateVm latency (with 10 ms the median CreateVm was about 5 ms slower).
   */
  private static final Duration SOCKET_POLL = Duration.ofMillis(2);

  private final QemuConfig.Launch launch;
  private final QemuWorkDir workDir;

  QemuReadiness(QemuConfig.Launch launch, QemuWorkDir workDir) {
    this.launch = launch;
    this.workDir = workDir;
  }

  /**
   * Returns once QEMU answers QMP's query-status — every option parsed, every device created, the
   * forwarded port bound — connecting again and again until its socket exists and accepts. Fails
   * with QEMU's own words when it exits first, or with a timeout that names QMP after
   * MANAGER_QEMU_STARTUP_TIMEOUT. With MANAGER_QEMU_USE_SUDO QMP's socket is root's: only
   * MANAGER_QEMU_STARTUP_GRACE then applies. A positive grace is waited in addition, QEMU having to
   * stay alive through it.
   */
  void await(VmLaunchSpec spec, WatchedQemuProcess child)
      throws VmStartException, InterruptedException {
    try {
      if (!launch.useSudo()) {
        awaitQmp(spec, child);
      }
      if (!launch.startupGrace().isZero() && exitsWithin(child, launch.startupGrace())) {
        throw failed(
            spec,
            child,
            "exited within "
                + GoDuration.format(launch.startupGrace())
                + " (MANAGER_QEMU_STARTUP_GRACE)");
      }
    } catch (InterruptedException e) {
      kill(spec, child);
      throw e;
    }
    child.watchExit();
    log.info(
        "QEMU for CVM {} is ready as pid {} (guest {})",
        spec.cvmId(),
        child.pid(),
        child.guestStatus().orElse("status unknown"));
  }

  private void awaitQmp(VmLaunchSpec spec, WatchedQemuProcess child)
      throws VmStartException, InterruptedException {
    Path socket = QemuCommandLine.qmpSocket(spec);
    long deadline = System.nanoTime() + launch.startupTimeout().toNanos();
    // Short waits: a connect to a socket not yet there costs microseconds, and every millisecond
    // of wait past the socket's appearance is CreateVm latency. Once connected, QEMU's greeting
    // and replies wake us; the waits below only find the socket.
    long backoffMillis = 1;
    String lastProblem = "its socket never accepted a connection";
    while (true) {
      if (!child.isAlive()) {
        throw failed(spec, child, "exited before it answered QMP");
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        kill(spec, child);
        throw new VmStartException(
            "QEMU for CVM "
                + spec.cvmId()
                + " did not answer QMP query-status on "
                + socket
                + " within "
                + GoDuration.format(launch.startupTimeout())
                + " (MANAGER_QEMU_STARTUP_TIMEOUT; "
                + lastProblem
                + "): "
                + outputSince(spec.consoleLog().toAbsolutePath(), child.consoleStart()));
      }
      QmpClient client = null;
      try {
        client =
            QmpClient.connect(socket, spec.cvmId(), child.guestMonitor(), Duration.ofNanos(left));
        JsonNode status =
            client.call(
                "query-status", Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        child.guestMonitor().attach(client, status.path("status").asText());
        return;
      } catch (IOException e) {
        lastProblem = e.getMessage(); // not listening yet, or QEMU went away: look again
      } catch (TimeoutException e) {
        lastProblem = "connected, but " + e.getMessage();
      } catch (QmpErrorException e) {
        lastProblem = e.getMessage();
      }
      if (client != null) {
        client.close();
      }
      // The liveness check comes first in the loop, after at most SOCKET_POLL.
      Thread.sleep(
          Math.min(backoffMillis, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
      backoffMillis = Math.min(backoffMillis * 2, SOCKET_POLL.toMillis());
    }
  }

  /** Whether QEMU ends within {@code time}, looking every {@link #LIVENESS_POLL}. */
  private static boolean exitsWithin(WatchedQemuProcess child, Duration time)
      throws InterruptedException {
    long deadline = System.nanoTime() + time.toNanos();
    while (child.isAlive()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.sleep(Math.min(left, LIVENESS_POLL.toNanos()));
    }
    return true;
  }

  /** QEMU failed to start: it is stopped, and its own output ends the message. */
  private VmStartException failed(VmLaunchSpec spec, WatchedQemuProcess child, String what) {
    kill(spec, child);
    return new VmStartException(
        "QEMU for CVM "
            + spec.cvmId()
            + " "
            + what
            + ": "
            + outputSince(spec.consoleLog().toAbsolutePath(), child.consoleStart()));
  }

  /** Stops a QEMU that failed to start, promptly and whatever the caller's interrupt status. */
  private void kill(VmLaunchSpec spec, WatchedQemuProcess child) {
    child.guestMonitor().close();
    boolean interrupted = Thread.interrupted();
    try {
      Uninterruptibly.await(() -> child.stop(Duration.ZERO));
    } catch (VmUnstoppableException e) {
      log.error(
          "QEMU of CVM {} (pid {}) failed to start and cannot be stopped: {}",
          spec.cvmId(),
          child.pid(),
          e.getMessage());
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    workDir.release(spec);
  }

  /** What QEMU wrote to the console since {@code offset}, at most the last few KiB. */
  private static String outputSince(Path console, long offset) {
    try (InputStream in = Files.newInputStream(console)) {
      long from = Math.max(offset, Files.size(console) - START_ERROR_OUTPUT_BYTES);
      in.skipNBytes(from);
      String text =
          new String(in.readNBytes(START_ERROR_OUTPUT_BYTES), StandardCharsets.UTF_8).strip();
      if (text.isEmpty()) {
        return "(no output)";
      }
      return from > offset ? "..." + text : text;
    } catch (IOException e) {
      return "(console log " + console + " unreadable: " + e.getMessage() + ")";
    }
  }
}
