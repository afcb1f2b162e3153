package io.cocos.manager.grpc.cms;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class RequestLedgerTest {
  /** A clock the test moves. */
  static final class TestClock extends Clock {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  final TestClock clock = new TestClock();
  final RequestLedger ledger = new RequestLedger(3, Duration.ofMinutes(10), clock);

  @Test
  void aRepeatedIdGetsTheFirstResultAndIsNotToldToRunAgain() {
    RequestLedger.Claim first = ledger.claim("a");
    RequestLedger.Claim again = ledger.claim("a");
    assertThat(first.first()).isTrue();
    assertThat(again.first()).isFalse();
    assertThat(again.result()).isSameAs(first.result());
  }

  @Test
  void onlyTheNewestIdsAreRemembered() {
    ledger.claim("a");
    ledger.claim("b");
    ledger.claim("c");
    ledger.claim("d");
    assertThat(ledger.claim("b").first()).isFalse();
    assertThat(ledger.claim("a").first()).as("the eldest was forgotten").isTrue();
  }

  @Test
  void idsAreForgottenAfterTheRetention() {
    ledger.claim("a");
    clock.now = clock.now.plus(Duration.ofMinutes(9));
    ledger.claim("b");
    assertThat(ledger.claim("a").first()).isFalse();
    clock.now = clock.now.plus(Duration.ofMinutes(2));
    assertThat(ledger.claim("a").first()).isTrue();
    assertThat(ledger.claim("b").first()).isFalse();
  }
}
