package io.cocos.manager.grpc.observability;

import io.cocos.manager.core.cvm.CvmRecord;
import io.cocos.manager.core.cvm.CvmState;
import io.cocos.manager.core.cvm.LifecycleManager;
import io.cocos.manager.core.event.CvmEventType;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What seed 001 tells operators to watch, read at scrape time from the lifecycle: CVMs by state,
 * free ports left, uptime, QEMU exits by code, QEMU zombies on the host, and how long agents take
 * to answer after CreateVm.
 */
public final class LifecycleMetrics {
  private static final AttributeKey<String> STATE = AttributeKey.stringKey("state");
  private static final AttributeKey<String> EXIT_CODE = AttributeKey.stringKey("exit_code");

  private LifecycleMetrics() {}

  /** Registers the instruments; they live as long as the meter. */
  public static void register(Meter meter, LifecycleManager lifecycle, String qemuBinary) {
    long started = System.nanoTime();
    meter
        .gaugeBuilder("manager.uptime")
        .setUnit("s")
        .setDescription("seconds since the manager started")
        .buildWithCallback(m -> m.record((System.nanoTime() - started) / 1e9));
    meter
        .gaugeBuilder("manager.cvms")
        .ofLongs()
        .setDescription("CVMs known to the manager, by state")
        .buildWithCallback(
            m ->
                countByState(lifecycle)
                    .forEach((state, n) -> m.record(n, Attributes.of(STATE, state.wireName()))));
    meter
        .gaugeBuilder("manager.host_ports.free")
        .ofLongs()
        .setDescription("ports of MANAGER_QEMU_HOST_FWD_RANGE not held by a CVM")
        .buildWithCallback(m -> m.record(lifecycle.ports().unheld()));
    meter
        .gaugeBuilder("manager.host_ports.capacity")
        .ofLongs()
        .setDescription("ports in MANAGER_QEMU_HOST_FWD_RANGE")
        .buildWithCallback(m -> m.record(lifecycle.ports().range().size()));
    String comm = commandName(qemuBinary);
    meter
        .gaugeBuilder("manager.qemu.zombies")
        .ofLongs()
        .setDescription("QEMU processes on the host that have exited but were not reaped")
        .buildWithCallback(m -> m.record(zombies(comm)));
    LongCounter exits =
        meter
            .counterBuilder("manager.qemu.exits")
            .setDescription("QEMU processes that exited on their own, by exit code")
            .build();
    DoubleHistogram agentBoot =
        meter
            .histogramBuilder("manager.agent.boot")
            .setUnit("s")
            .setDescription(
                "seconds from CreateVm until the CVM's agent first answered on its forwarded port")
            .setExplicitBucketBoundariesAdvice(
                List.of(1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0))
            .build();
    lifecycle.subscribe(
        e -> {
          if (e.type() == CvmEventType.EXITED) {
            exits.add(1, Attributes.of(EXIT_CODE, String.valueOf(e.exitCode())));
          } else if (e.type() == CvmEventType.AGENT_READY) {
            lifecycle
                .agentReadyAfter(e.cvmId())
                .ifPresent(d -> agentBoot.record(d.toNanos() / 1e9));
          }
        });
  }

  private static Map<CvmState, Long> countByState(LifecycleManager lifecycle) {
    Map<CvmState, Long> counts = new EnumMap<>(CvmState.class);
    for (CvmState s : CvmState.values()) {
      if (s != CvmState.REMOVED) {
        counts.put(s, 0L);
      }
    }
    for (CvmRecord r : lifecycle.listVms()) {
      counts.merge(r.state(), 1L, Long::sum);
    }
    return counts;
  }

  /** The kernel's name of a process running this binary (its file name, cut to 15 bytes). */
  static String commandName(String binary) {
    String name = binary.substring(binary.lastIndexOf('/') + 1);
    return name.length() > 15 ? name.substring(0, 15) : name;
  }

  /** Zombie processes with that command name, from /proc/PID/stat ("pid (comm) Z ..."). */
  static long zombies(String comm) {
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      return procs
          .filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
          .filter(p -> isZombieNamed(p.resolve("stat"), comm))
          .count();
    } catch (IOException e) {
      return 0;
    }
  }

  private static boolean isZombieNamed(Path stat, String comm) {
    try {
      String s = Files.readString(stat);
      int open = s.indexOf('(');
      int close = s.lastIndexOf(')');
      return open >= 0
          && close > open
          && s.substring(open + 1, close).equals(comm)
          && s.startsWith("Z", close + 2);
    } catch (IOException e) {
      return false;
    }
  }
}
