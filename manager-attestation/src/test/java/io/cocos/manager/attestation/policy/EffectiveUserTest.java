package io.cocos.manager.attestation.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EffectiveUserTest {
  @Test
  void theEffectiveUidIsTheSecondOnTheUidLine() {
    assertThat(
            EffectiveUser.effectiveUid(
                "Name:\tjava\nUid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\n"))
        .hasValue(0);
    assertThat(EffectiveUser.effectiveUid("Uid:\t0\t1000\t1000\t1000\n")).hasValue(1000);
  }

  @Test
  void withoutAUidLineTheUidIsUnknown() {
    assertThat(EffectiveUser.effectiveUid("Name:\tjava\n")).isEmpty();
    assertThat(EffectiveUser.effectiveUid("Uid:\tx\ty\n")).isEmpty();
  }
}
