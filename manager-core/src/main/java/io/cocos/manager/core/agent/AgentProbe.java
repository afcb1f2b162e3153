package io.cocos.manager.core.agent;

import java.util.concurrent.CompletableFuture;

/** Whether the agent of a CVM answers on its forwarded host port ({@link Http2AgentProbe}). */
@FunctionalInterface
public interface AgentProbe {
  /**
   * One probe, bounded in time, that does not block the caller: the future completes false when the
   * agent does not (yet) answer. It may complete on the probe's own thread, which must not be
   * blocked: chain slow work with an executor.
   */
  CompletableFuture<Boolean> answers(int hostPort);
}
