package io.cocos.manager.grpc.ui;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cocos.manager.core.cvm.CvmRecord;
import io.cocos.manager.core.cvm.ManagerException;
import io.cocos.manager.core.cvm.ManagerService;
import java.time.Clock;
import java.util.Optional;

/**
 * The CVMs as the console shows them: the table ({@code /ui/api/cvms}, the feed's snapshot), one
 * row, one CVM with its details and events. Reads the manager (no lock of its own) and the {@link
 * EventHistory}.
 */
final class CvmViews {
  private final ManagerService manager;
  private final EventHistory history;
  private final Clock clock;

  CvmViews(ManagerService manager, EventHistory history, Clock clock) {
    this.manager = manager;
    this.history = history;
    this.clock = clock;
  }

  int maxVms() {
    return manager.hostInfo().maxVms();
  }

  /** {@code {"now", "max_vms", "cvms": [Row...]}}, every CVM, oldest first. */
  ObjectNode table() {
    ObjectNode node =
        UiJson.MAPPER
            .createObjectNode()
            .put("now", UiJson.time(clock.instant()))
            .put("max_vms", maxVms());
    ArrayNode rows = node.putArray("cvms");
    for (CvmRecord r : manager.listVms()) {
      rows.add(row(r));
    }
    return node;
  }

  Optional<CvmRecord> find(String id) {
    return manager.listVms().stream().filter(r -> r.id().equals(id)).findFirst();
  }

  ObjectNode row(CvmRecord r) {
    return UiJson.row(r, manager, history.exitDetail(r.id()));
  }

  /** {@code {"cvm": Row, "info": {...} | null, "events": [...]}}, or empty for an unknown CVM. */
  Optional<ObjectNode> detail(String id) {
    Optional<CvmRecord> record = find(id);
    if (record.isEmpty()) {
      return Optional.empty();
    }
    ObjectNode node = UiJson.MAPPER.createObjectNode();
    node.set("cvm", row(record.get()));
    try {
      node.set("info", UiJson.info(manager.cvmInfo(id)));
    } catch (ManagerException e) {
      node.putNull("info"); // removed meanwhile
    }
    ArrayNode events = node.putArray("events");
    history.events(id).forEach(e -> events.add(UiJson.event(e)));
    return Optional.of(node);
  }
}
