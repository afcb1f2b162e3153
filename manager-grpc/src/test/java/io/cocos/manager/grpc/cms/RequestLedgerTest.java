package io.cocos.manager.grpc.cms;

import static org.assertj.core.api.Assertions.assertThat;

import io.cocos.manager.cms.api.Response;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
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
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
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

  static RequestLedger.Claim finished(RequestLedger.Claim claim) {
    claim.result().complete(Response.getDefaultInstance());
    return claim;
  }

  @Test
  void onlyTheNewestIdsAreRemembered() {
    finished(ledger.claim("a"));
    finished(ledger.claim("b"));
    finished(ledger.claim("c"));
    finished(ledger.claim("d"));
    assertThat(ledger.claim("b").first()).isFalse();
    assertThat(ledger.claim("a").first()).as("the eldest was forgotten").isTrue();
  }

  @Test
  void aRequestStillRunningIsNeverForgottenSoARepeatNeverRunsTwice() {
    RequestLedger.Claim running = ledger.claim("running");
    finished(ledger.claim("b"));
    finished(ledger.claim("c"));
    finished(ledger.claim("d"));
    finished(ledger.claim("e"));
    clock.now = clock.now.plus(Duration.ofHours(1));
    finished(ledger.claim("f"));
    RequestLedger.Claim repeat = ledger.claim("running");
    assertThat(repeat.first()).as("over capacity and past retention, but still running").isFalse();
    assertThat(repeat.result()).isSameAs(running.result());
    assertThat(ledger.claim("b").first()).as("finished ones are forgotten instead").isTrue();
  }

  @Test
  void aRefusedRequestIsForgottenSoItsRepeatRuns() {
    RequestLedger.Claim refused = ledger.claim("busy");
    ledger.forget("busy", refused.result());
    assertThat(ledger.claim("busy").first()).isTrue();
  }

  @Test
  void idsAreForgottenAfterTheRetention() {
    finished(ledger.claim("a"));
    clock.now = clock.now.plus(Duration.ofMinutes(9));
    finished(ledger.claim("b"));
    assertThat(ledger.claim("a").first()).isFalse();
    clock.now = clock.now.plus(Duration.ofMinutes(2));
    assertThat(ledger.claim("a").first()).isTrue();
    assertThat(ledger.claim("b").first()).isFalse();
  }
}
