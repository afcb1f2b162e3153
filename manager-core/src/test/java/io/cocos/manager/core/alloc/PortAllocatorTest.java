package io.cocos.manager.core.alloc;

import static org.assertj.core.api.Assertions.assertThat;

import io.cocos.manager.core.config.PortRange;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PortAllocatorTest {
  @Test
  void skipsAPortSomeoneElseListensOnAndRunsOutAtTheEnd() throws Exception {
    try (ServerSocket busy = new ServerSocket()) {
      busy.bind(new InetSocketAddress("0.0.0.0", 0));
      int taken = busy.getLocalPort();
      PortAllocator ports = new PortAllocator(new PortRange(taken, taken + 1));
      OptionalInt first = ports.allocate();
      // the busy port is skipped; the other one may itself be busy on a shared machine
      assertThat(first).isNotEqualTo(OptionalInt.of(taken));
      assertThat(ports.allocate()).isEmpty();
    }
  }

  @Test
  void releasedPortsComeBackLast() {
    PortAllocator ports = new PortAllocator(new PortRange(100, 102), p -> true);
    assertThat(ports.allocate()).hasValue(100);
    ports.release(100);
    assertThat(ports.allocate()).hasValue(101);
    assertThat(ports.allocate()).hasValue(102);
    assertThat(ports.allocate()).hasValue(100);
    assertThat(ports.allocate()).isEmpty();
    assertThat(ports.unheld()).isZero();
  }

  @Test
  void claimsForRestoredCvmsAreExclusive() {
    PortAllocator ports = new PortAllocator(new PortRange(100, 101), p -> true);
    assertThat(ports.claim(101)).isTrue();
    assertThat(ports.claim(101)).isFalse();
    assertThat(ports.claim(99)).isFalse();
    assertThat(ports.allocate()).hasValue(100);
    assertThat(ports.allocate()).isEmpty();
  }

  @Test
  void concurrentCallersNeverGetTheSamePort() throws Exception {
    PortAllocator ports = new PortAllocator(new PortRange(20000, 20199), p -> true);
    List<Integer> got = Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(16);
    CountDownLatch go = new CountDownLatch(1);
    for (int i = 0; i < 250; i++) {
      pool.execute(
          () -> {
            try {
              go.await();
            } catch (InterruptedException e) {
              return;
            }
            ports.allocate().ifPresent(got::add);
          });
    }
    go.countDown();
    pool.shutdown();
    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    assertThat(got).hasSize(200);
    assertThat(new HashSet<>(got)).hasSize(200);
  }

  @Test
  void cidsAreDistinctAndReused() {
    CidAllocator cids = new CidAllocator(3, 2);
    assertThat(cids.allocate()).hasValue(3);
    assertThat(cids.allocate()).hasValue(4);
    assertThat(cids.allocate()).isEmpty();
    cids.release(3);
    assertThat(cids.allocate()).hasValue(3);
    assertThat(cids.claim(4)).isFalse();
  }

  @Test
  void slotsStopAtTheLimit() {
    Slots slots = new Slots(2);
    assertThat(slots.tryTake()).isTrue();
    assertThat(slots.tryTake()).isTrue();
    assertThat(slots.tryTake()).isFalse();
    slots.give();
    assertThat(slots.tryTake()).isTrue();
  }
}
