package io.cocos.manager.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cocos.manager.core.vm.VmUnstoppableException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A process whose signals go nowhere, as a root QEMU's do for an unprivileged manager: stop() must
 * give up a bounded time after SIGKILL instead of waiting for ever.
 */
class UnstoppableQemuProcessTest {
  @Test
  void stopGivesUpABoundedTimeAfterSigkillWithAReadableReason() {
    AtomicInteger kills = new AtomicInteger();
    QemuProcess deaf =
        new QemuProcess(
            4242,
            Instant.now(),
            new CompletableFuture<>(),
            new GuestMonitor("cvm"),
            Duration.ZERO) {
          @Override
          void terminate() {}

          @Override
          void kill() {
            kills.incrementAndGet();
          }

          @Override
          public boolean isAlive() {
            return true;
          }

          @Override
          Duration killWait() {
            return Duration.ofMillis(50);
          }
        };

    assertThatThrownBy(() -> deaf.stop(Duration.ZERO))
        .isInstanceOf(VmUnstoppableException.class)
        .hasMessage(
            "QEMU pid 4242 is still alive 50ms after SIGKILL: it is not this manager's to signal (a root QEMU"
                + " under MANAGER_QEMU_USE_SUDO?) or it is stuck in the kernel; stop it by hand");
    assertThatThrownBy(() -> deaf.shutDown(Duration.ZERO))
        .isInstanceOf(VmUnstoppableException.class);
    assertThat(kills).hasValue(2);
  }
}
