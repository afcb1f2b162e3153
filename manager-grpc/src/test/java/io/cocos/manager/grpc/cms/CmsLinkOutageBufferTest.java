package io.cocos.manager.grpc.cms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cocos.manager.api.CvmSummary;
import io.cocos.manager.cms.api.ConsoleLine;
import io.cocos.manager.cms.api.Hello;
import io.cocos.manager.cms.api.LifecycleEvent;
import io.cocos.manager.core.config.Env;
import io.cocos.manager.core.cvm.CreateRequest;
import io.cocos.manager.core.cvm.CreatedCvm;
import io.cocos.manager.core.cvm.LifecycleManager;
import io.cocos.manager.core.testing.ManagerEnvironments;
import io.cocos.manager.core.testing.PortBlocks;
import io.cocos.manager.core.vm.GuestDescription;
import io.cocos.manager.core.vm.TeeKind;
import io.cocos.manager.grpc.ManagerDaemon;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What happens while the CMS is away, with buffers small enough to overflow: CVM operations go on
 * unhindered, and after the reconnect the hello counts what was dropped and the rest arrives in
 * order. In-process (the link's bounds are a constructor parameter, not configuration).
 */
class CmsLinkOutageBufferTest {
  static final int EVENT_BOUND = 5;
  static final int CONSOLE_BOUND = 3;

  @TempDir Path tmp;
  ManagerDaemon daemon;
  CmsLink link;
  ManagedChannel api;
  RecordingCms cms;

  @AfterEach
  void stop() throws Exception {
    if (link != null) {
      link.close();
      api.shutdownNow();
    }
    if (cms != null) {
      cms.close();
    }
    if (daemon != null) {
      for (var r : daemon.lifecycle().listVms()) {
        daemon.lifecycle().removeVm(r.id());
      }
      daemon.close();
    }
  }

  @Test
  void whatHappensWhileTheCmsIsAwayIsBufferedUpToTheBoundAndTheRestIsCounted() throws Exception {
    daemon = ManagerDaemon.start(new Env(ManagerEnvironments.fakeQemuEnv(tmp)));
    assertThat(daemon.cmsLinkState()).isEqualTo(LinkState.STANDALONE);
    LifecycleManager lifecycle = daemon.lifecycle();
    // known before the CMS listens: the link dials it while it is away
    int cmsPort = PortBlocks.reserve().first();
    api = NettyChannelBuilder.forAddress("127.0.0.1", daemon.grpcPort()).usePlaintext().build();
    link =
        new CmsLink(
            CmsLinkConfig.fromEnv(new Env(Map.of("MANAGER_CMS_URL", "127.0.0.1:" + cmsPort))),
            new ManagerDescription(
                "buffer-test",
                "test",
                Instant.now(),
                TeeKind.NONE,
                new GuestDescription("edk2", 2, "EPYC", "console=ttyS0"),
                "eos"),
            () -> api,
            EVENT_BOUND,
            CONSOLE_BOUND);
    link.start(lifecycle);
    await().atMost(Duration.ofSeconds(5)).until(() -> link.linkState() == LinkState.DISCONNECTED);

    // more events than the bound of 5: created and running twice, then stopping, the guest's own
    // shutdown (a graceful removal) and removed
    long start = System.nanoTime();
    CreatedCvm kept = lifecycle.createVm(new CreateRequest("", null, null, null, "", "", ""));
    CreatedCvm removed = lifecycle.createVm(new CreateRequest("", null, null, null, "", "", ""));
    lifecycle.removeVm(removed.id());
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .as("CVM operations do not wait for the CMS")
        .isLessThan(Duration.ofSeconds(10));
    // each fake QEMU prints two lines at once and one a second: soon more than the console bound
    await().atMost(Duration.ofSeconds(15)).until(() -> link.dropped().consoleLines() > 0);

    cms = RecordingCms.start(cmsPort);
    Hello hello = cms.awaitHello(1, Duration.ofSeconds(15));
    assertThat(link.linkState()).isEqualTo(LinkState.CONNECTED);
    assertThat(hello.getInstanceId()).isEqualTo("buffer-test");
    assertThat(hello.getCvmsList()).extracting(CvmSummary::getId).containsExactly(kept.id());
    assertThat(hello.getEventsDropped()).as("events dropped").isPositive();

    await().atMost(Duration.ofSeconds(5)).until(() -> cms.events().size() >= EVENT_BOUND);
    List<LifecycleEvent> events = cms.events();
    // the newest events arrive in order, numbered right after the ones that were dropped
    for (int i = 0; i < events.size(); i++) {
      assertThat(events.get(i).getSequence()).isEqualTo(hello.getEventsDropped() + 1 + i);
    }
    assertThat(events.subList(0, EVENT_BOUND))
        .filteredOn(e -> e.getCvmId().equals(removed.id()))
        .extracting(LifecycleEvent::getType)
        .contains("stopping")
        .last()
        .isEqualTo("removed");

    await().atMost(Duration.ofSeconds(5)).until(() -> cms.consoleLines().size() >= CONSOLE_BOUND);
    List<ConsoleLine> lines = cms.consoleLines();
    // the kept CVM goes on printing: a line or two may still be dropped between the hello and the
    // moment its queue is drained (they show in the gap, and in the next hello's total)
    assertThat(hello.getConsoleLinesDropped()).as("console lines dropped").isPositive();
    assertThat(lines.get(0).getSequence() - 1)
        .isBetween(hello.getConsoleLinesDropped(), hello.getConsoleLinesDropped() + 2);
    for (int i = 1; i < lines.size(); i++) {
      assertThat(lines.get(i).getSequence()).isEqualTo(lines.get(i - 1).getSequence() + 1);
    }

    link.close();
    assertThat(link.linkState()).isEqualTo(LinkState.CLOSED);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> cms.disconnects.contains("the manager closed the stream"));
  }
}
