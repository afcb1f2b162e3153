package io.cocos.manager.core.cvm;

import io.cocos.manager.core.agent.AgentProbe;
import io.cocos.manager.core.agent.Http2AgentProbe;
import io.cocos.manager.core.event.CvmEventType;
import io.cocos.manager.core.vm.VmProcess;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When a running CVM's agent first answers: probed every {@link #AGENT_PROBE_INTERVAL}, less often
 * after two minutes ({@link #agentProbeDelay}), until it answers (then one AGENT_READY event) or
 * the CVM is no longer running with this VM. One probe at a time per CVM: the next is scheduled
 * when this one is done. A probe holds no thread while it waits (see {@link Http2AgentProbe}); its
 * outcome comes on the probe's thread, which only schedules the next probe or hands an answer to a
 * worker (that takes the CVM's lock).
 */
final class AgentReadiness {
  private static final Logger log = LoggerFactory.getLogger(LifecycleManager.class);

  /** Between two probes of a booting CVM's agent; each probe waits at most this long too. */
  static final Duration AGENT_PROBE_INTERVAL = Duration.ofSeconds(1);

  /** Unanswered probes at {@link #AGENT_PROBE_INTERVAL} before the interval grows. */
  static final int AGENT_PROBES_AT_FULL_RATE = 120;

  /** The longest wait between two probes of an agent that does not answer. */
  static final Duration AGENT_PROBE_MAX_INTERVAL = Duration.ofSeconds(30);

  private final CvmRegistry registry;
  private final AgentProbe agentProbe;
  private final ScheduledExecutorService timers;
  private final ExecutorService workers;
  private final Clock clock;

  AgentReadiness(
      CvmRegistry registry,
      AgentProbe agentProbe,
      ScheduledExecutorService timers,
      ExecutorService workers,
      Clock clock) {
    this.registry = registry;
    this.agentProbe = agentProbe;
    this.timers = timers;
    this.workers = workers;
    this.clock = clock;
  }

  /** Starts probing the agent of a CVM that just started running with {@code process}. */
  void probe(Cvm cvm, VmProcess process) {
    probe(cvm, process, 1);
  }

  private void probe(Cvm cvm, VmProcess process, int probe) {
    if (!registry.runs(cvm, process)) {
      return;
    }
    agentProbe
        .answers(cvm.record.hostPort())
        .thenAccept(
            answered -> {
              try {
                if (answered) {
                  workers.execute(() -> agentAnswered(cvm, process));
                } else {
                  timers.schedule(
                      () -> probe(cvm, process, probe + 1),
                      agentProbeDelay(probe).toMillis(),
                      TimeUnit.MILLISECONDS);
                }
              } catch (RejectedExecutionException e) {
                log.debug(
                    "not probing the agent of CVM {} any more: the manager is closing", cvm.id);
              }
            });
  }

  /**
   * The wait after the {@code probe}th unanswered probe: {@link #AGENT_PROBE_INTERVAL} while a boot
   * is plausible ({@link #AGENT_PROBES_AT_FULL_RATE} probes, about two minutes), then doubling up
   * to {@link #AGENT_PROBE_MAX_INTERVAL}: 500 CVMs whose agent never comes up cost the manager 500
   * connections a second (about a tenth of a core) at the full rate. The price is that an agent
   * slower than that is reported up to that much late.
   */
  static Duration agentProbeDelay(int probe) {
    if (probe <= AGENT_PROBES_AT_FULL_RATE) {
      return AGENT_PROBE_INTERVAL;
    }
    int doublings = Math.min(probe - AGENT_PROBES_AT_FULL_RATE, 8);
    Duration delay = AGENT_PROBE_INTERVAL.multipliedBy(1L << doublings);
    return delay.compareTo(AGENT_PROBE_MAX_INTERVAL) < 0 ? delay : AGENT_PROBE_MAX_INTERVAL;
  }

  private void agentAnswered(Cvm cvm, VmProcess process) {
    cvm.lock.lock();
    try (var context = CvmLogContext.of(cvm.id)) {
      if (registry.runs(cvm, process) && cvm.agentReadyAfter == null) {
        cvm.agentReadyAfter = Duration.between(cvm.record.createdAt(), clock.instant());
        registry.publish(
            cvm,
            CvmEventType.AGENT_READY,
            String.format(
                Locale.ROOT, "%.1f s after CreateVm", cvm.agentReadyAfter.toMillis() / 1000.0));
      }
    } finally {
      cvm.lock.unlock();
    }
  }
}
