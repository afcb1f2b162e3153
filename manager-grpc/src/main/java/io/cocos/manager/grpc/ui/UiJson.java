package io.cocos.manager.grpc.ui;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cocos.manager.core.console.ConsolePages;
import io.cocos.manager.core.cvm.CvmInfo;
import io.cocos.manager.core.cvm.CvmRecord;
import io.cocos.manager.core.cvm.CvmState;
import io.cocos.manager.core.cvm.ManagerService;
import io.cocos.manager.core.event.CvmEvent;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The web console's JSON, in the contract's shapes (snake_case, ISO-8601 UTC times, null for what
 * is absent). Everything goes through Jackson, so a guest's or a client's text is always a JSON
 * string, escaped as such, never markup. Stateless; the mapper is thread-safe.
 */
final class UiJson {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private UiJson() {}

  static byte[] bytes(Object node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e); // a tree of plain nodes always serialises
    }
  }

  static byte[] error(String message) {
    return bytes(MAPPER.createObjectNode().put("error", message));
  }

  static String time(Instant t) {
    return t == null ? null : t.toString();
  }

  /** One CVM's row, as the table shows it; {@code exitDetail} from its EXITED event, if seen. */
  static ObjectNode row(CvmRecord r, ManagerService service, String exitDetail) {
    String guest = service.guestStatus(r.id());
    ObjectNode row =
        MAPPER
            .createObjectNode()
            .put("id", r.id())
            .put("state", r.state().wireName())
            .put("guest_status", guest == null || guest.isEmpty() ? null : guest)
            .put("tee", r.tee().wireName())
            .put("host_port", r.hostPort() == 0 ? null : r.hostPort())
            .put("cid", r.guestCid() == 0 ? null : r.guestCid())
            .put("pid", r.pid() == 0 ? null : r.pid())
            .put("created_at", time(r.createdAt()))
            .put("ttl_deadline", time(r.ttlDeadline()));
    row.put("agent_ready_ms", service.agentReadyAfter(r.id()).map(Duration::toMillis).orElse(null));
    row.put("exit_code", r.exitCode());
    String reason =
        r.state() == CvmState.FAILED
            ? r.failure()
            : r.state() == CvmState.EXITED ? exitDetail : null;
    return row.put("reason", reason);
  }

  static ObjectNode event(CvmEvent e) {
    return MAPPER
        .createObjectNode()
        .put("time", time(e.time()))
        .put("cvm_id", e.cvmId())
        .put("type", e.type().wireName())
        .put("state", e.state() == null ? null : e.state().wireName())
        .put("detail", e.detail())
        .put("exit_code", e.exitCode());
  }

  static ObjectNode info(CvmInfo i) {
    return MAPPER
        .createObjectNode()
        .put("ovmf_version", i.ovmfVersion())
        .put("cpu_count", i.cpuCount())
        .put("cpu_type", i.cpuType())
        .put("kernel_command_line", i.kernelCommandLine())
        .put("eos_version", i.eosVersion());
  }

  static ObjectNode page(ConsolePages.Page page) {
    ObjectNode node =
        MAPPER
            .createObjectNode()
            .put("start", page.start())
            .put("end", page.end())
            .put("first", page.first());
    ArrayNode lines = node.putArray("lines");
    page.lines().forEach(lines::add);
    return node;
  }

  static ObjectNode lines(long start, long end, List<String> lines) {
    ObjectNode node = MAPPER.createObjectNode().put("start", start).put("end", end);
    ArrayNode array = node.putArray("lines");
    lines.forEach(array::add);
    return node;
  }
}
