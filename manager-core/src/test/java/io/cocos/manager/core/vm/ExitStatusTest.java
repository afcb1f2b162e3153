package io.cocos.manager.core.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ExitStatusTest {
  @Test
  void readsAsAShellsDollarQuestionMark() {
    assertThat(ExitStatus.exited(0).describe()).isEqualTo("exit code 0");
    assertThat(new ExitStatus(3).describe()).isEqualTo("exit code 3");
    assertThat(new ExitStatus(137).describe()).isEqualTo("killed by signal 9 (SIGKILL)");
    assertThat(new ExitStatus(139).describe()).isEqualTo("killed by signal 11 (SIGSEGV)");
    assertThat(new ExitStatus(134).signal()).hasValue(6);
    assertThat(ExitStatus.killedBy(15)).isEqualTo(new ExitStatus(143));
    assertThat(ExitStatus.killedBy(40).describe()).isEqualTo("killed by signal 40");
    assertThat(new ExitStatus(128).signal()).as("no signal 0").isEmpty();
    assertThat(new ExitStatus(200).describe()).as("beyond any signal").isEqualTo("exit code 200");
    assertThat(ExitStatus.UNKNOWN.exitCode()).isEqualTo(-1);
    assertThat(ExitStatus.UNKNOWN.isKnown()).isFalse();
    assertThat(ExitStatus.UNKNOWN.describe()).isEqualTo("exit status unknown");
  }

  @Test
  void refusesWhatNoProcessCanReturn() {
    assertThatThrownBy(() -> new ExitStatus(256)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ExitStatus(-2)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ExitStatus.killedBy(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ExitStatus.killedBy(65)).isInstanceOf(IllegalArgumentException.class);
  }
}
