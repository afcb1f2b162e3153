package io.cocos.manager.core.cvm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConsoleLogBudgetTest {
  @Test
  void allowsTheRatePerSecondAndReportsWhatItRefusedOnce() {
    ConsoleLogBudget budget = new ConsoleLogBudget();
    assertThat(budget.suppressedBefore(1_000)).isZero();
    for (int i = 0; i < ConsoleLogBudget.LINES_PER_SECOND; i++) {
      assertThat(budget.take()).isTrue();
    }
    assertThat(budget.take()).isFalse();
    assertThat(budget.take()).isFalse();
    assertThat(budget.suppressedBefore(1_500)).isZero();
    assertThat(budget.suppressedBefore(2_000)).isEqualTo(2);
    assertThat(budget.take()).isTrue();
    assertThat(budget.suppressedBefore(3_000)).isZero();
  }
}
