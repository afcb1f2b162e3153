package io.cocos.manager.core.cvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class AgentProbeDelayTest {
  @Test
  void fullRateForTheFirstTwoMinutesThenDoublingUpToTheCap() {
    assertThat(AgentReadiness.agentProbeDelay(1)).isEqualTo(Duration.ofSeconds(1));
    assertThat(AgentReadiness.agentProbeDelay(AgentReadiness.AGENT_PROBES_AT_FULL_RATE))
        .isEqualTo(Duration.ofSeconds(1));
    assertThat(AgentReadiness.agentProbeDelay(AgentReadiness.AGENT_PROBES_AT_FULL_RATE + 1))
        .isEqualTo(Duration.ofSeconds(2));
    assertThat(AgentReadiness.agentProbeDelay(AgentReadiness.AGENT_PROBES_AT_FULL_RATE + 2))
        .isEqualTo(Duration.ofSeconds(4));
    assertThat(AgentReadiness.agentProbeDelay(AgentReadiness.AGENT_PROBES_AT_FULL_RATE + 5))
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(AgentReadiness.agentProbeDelay(Integer.MAX_VALUE)).isEqualTo(Duration.ofSeconds(30));
  }
}
