package io.cocos.manager.core.agent;

/** Whether the agent of a CVM answers on its forwarded host port ({@link Http2AgentProbe}). */
@FunctionalInterface
public interface AgentProbe {
  /** One probe, bounded in time; false when the agent does not (yet) answer. */
  boolean answers(int hostPort);
}
