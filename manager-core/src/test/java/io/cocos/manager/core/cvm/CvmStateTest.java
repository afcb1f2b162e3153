package io.cocos.manager.core.cvm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CvmStateTest {
  @Test
  void transitionsFollowTheLifecycle() {
    assertThat(CvmState.PROVISIONING.canBecome(CvmState.RUNNING)).isTrue();
    assertThat(CvmState.PROVISIONING.canBecome(CvmState.FAILED)).isTrue();
    assertThat(CvmState.RUNNING.canBecome(CvmState.EXITED)).isTrue();
    assertThat(CvmState.RUNNING.canBecome(CvmState.STOPPING)).isTrue();
    assertThat(CvmState.EXITED.canBecome(CvmState.STOPPING)).isTrue();
    assertThat(CvmState.STOPPING.canBecome(CvmState.REMOVED)).isTrue();
    assertThat(CvmState.RUNNING.canBecome(CvmState.PROVISIONING)).isFalse();
    assertThat(CvmState.REMOVED.canBecome(CvmState.RUNNING)).isFalse();
    assertThat(CvmState.EXITED.canBecome(CvmState.RUNNING)).isFalse();
  }

  @Test
  void wireNamesRoundTrip() {
    assertThat(CvmState.fromWireName("exited")).isEqualTo(CvmState.EXITED);
  }
}
