package io.cocos.manager.core.cvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cocos.manager.core.event.CvmEvent;
import io.cocos.manager.core.event.CvmEventType;
import io.cocos.manager.core.event.EventBus;
import io.cocos.manager.core.store.StateStore;
import io.cocos.manager.core.vm.TeeKind;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CvmRegistryTest {
  @TempDir Path stateDir;
  final List<CvmEvent> events = new CopyOnWriteArrayList<>();
  StateStore store;
  CvmRegistry registry;
  Cvm cvm;

  @BeforeEach
  void setUp() throws Exception {
    store = new StateStore(stateDir);
    EventBus bus = new EventBus();
    bus.subscribe(events::add);
    registry = new CvmRegistry(store, bus, Clock.systemUTC());
    String id = UUID.randomUUID().toString();
    CvmRecord record =
        CvmRecord.provisioning(id, TeeKind.NONE, 6100, 3, Instant.EPOCH, null, null, 0);
    cvm = new Cvm(id, store.paths(id), record, null);
    registry.add(cvm);
  }

  @Test
  void requireFindsARegisteredCvmAndAnswersNotFoundForAnyOther() throws Exception {
    assertThat(registry.require(cvm.id)).isSameAs(cvm);
    assertThatThrownBy(() -> registry.require("nope"))
        .isInstanceOf(ManagerException.class)
        .hasMessage("no CVM with id nope")
        .extracting(e -> ((ManagerException) e).reason())
        .isEqualTo(ManagerException.Reason.NOT_FOUND);
  }

  @Test
  void aTransitionChangesTheStateSavesItAndPublishesTheEvent() throws Exception {
    registry.transition(cvm, CvmState.RUNNING, CvmEventType.RUNNING, "pid 1");

    assertThat(cvm.record.state()).isEqualTo(CvmState.RUNNING);
    assertThat(store.scan().records())
        .singleElement()
        .extracting(CvmRecord::state)
        .isEqualTo(CvmState.RUNNING);
    assertThat(events)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.type()).isEqualTo(CvmEventType.RUNNING);
              assertThat(e.state()).isEqualTo(CvmState.RUNNING);
              assertThat(e.detail()).isEqualTo("pid 1");
            });
  }

  @Test
  void aTransitionRefusesAnIllegalMoveAndChangesNothing() {
    assertThatThrownBy(() -> registry.transition(cvm, CvmState.REMOVED, CvmEventType.REMOVED, ""))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("CVM " + cvm.id + " cannot go from provisioning to removed");

    assertThat(cvm.record.state()).isEqualTo(CvmState.PROVISIONING);
    assertThat(events).isEmpty();
  }

  @Test
  void aFailedCvmIsNotSaved() throws Exception {
    registry.transition(cvm, cvm.record.failed("boom"), CvmEventType.FAILED, "boom");

    assertThat(cvm.record.failure()).isEqualTo("boom");
    assertThat(store.scan().records()).isEmpty();
    assertThat(events).singleElement().extracting(CvmEvent::type).isEqualTo(CvmEventType.FAILED);
  }

  @Test
  void aNewPortDropsTheProcessAndKeepsTheRest() {
    CvmRecord moved = cvm.record.withProcess(42, Instant.EPOCH).onNewPort(6101);

    assertThat(moved)
        .isEqualTo(
            CvmRecord.provisioning(cvm.id, TeeKind.NONE, 6101, 3, Instant.EPOCH, null, null, 0));
  }
}
