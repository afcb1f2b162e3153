package io.cocos.manager.core.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cocos.manager.core.cvm.CvmRecord;
import io.cocos.manager.core.cvm.CvmState;
import io.cocos.manager.core.vm.TeeKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Persists each CVM's record as JSON in its own directory, written atomically at every state
 * change, so a manager killed at any instant (kill -9) restarts knowing every CVM it had.
 * Thread-safety: stateless apart from the root path; callers serialise writes per CVM.
 */
public final class StateStore {
  private static final Logger log = LoggerFactory.getLogger(StateStore.class);
  private static final Pattern UUID_NAME =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path cvmsDir;

  public StateStore(Path stateDir) throws IOException {
    this.cvmsDir = stateDir.resolve("cvms");
    SecureFiles.createPrivateDirectory(cvmsDir);
  }

  public CvmPaths paths(String cvmId) {
    return new CvmPaths(cvmsDir.resolve(cvmId));
  }

  public void save(CvmRecord record) throws IOException {
    SecureFiles.replaceAtomically(paths(record.id()).stateFile(), JSON.writeValueAsBytes(toJson(record)));
  }

  /** A loaded record, or the directory of a CVM whose record is missing or unreadable. */
  public record Loaded(Path dir, CvmRecord record) {}

  /** Every CVM directory found; record is null where the state file is missing or corrupt. */
  public List<Loaded> loadAll() throws IOException {
    List<Loaded> out = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(cvmsDir)) {
      for (Path dir : (Iterable<Path>) dirs::iterator) {
        if (!Files.isDirectory(dir) || !UUID_NAME.matcher(dir.getFileName().toString()).matches()) {
          continue;
        }
        out.add(new Loaded(dir, read(new CvmPaths(dir).stateFile())));
      }
    }
    return out;
  }

  public void deleteAll(String cvmId) throws IOException {
    SecureFiles.deleteTree(paths(cvmId).dir());
  }

  private static CvmRecord read(Path stateFile) {
    try {
      return fromJson(JSON.readTree(stateFile.toFile()));
    } catch (IOException | RuntimeException e) {
      log.warn("unreadable CVM state {}: {}", stateFile, e.getMessage());
      return null;
    }
  }

  static ObjectNode toJson(CvmRecord r) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", r.id());
    n.put("state", r.state().wireName());
    n.put("tee", r.tee().wireName());
    n.put("host_port", r.hostPort());
    n.put("guest_cid", r.guestCid());
    n.put("pid", r.pid());
    putInstant(n, "process_start", r.processStart());
    putInstant(n, "created_at", r.createdAt());
    putInstant(n, "ttl_deadline", r.ttlDeadline());
    if (r.exitCode() != null) {
      n.put("exit_code", r.exitCode());
    }
    if (r.failure() != null) {
      n.put("failure", r.failure());
    }
    if (r.launchTcb() != null) {
      n.put("launch_tcb", r.launchTcb());
    }
    return n;
  }

  static CvmRecord fromJson(JsonNode n) {
    return new CvmRecord(
        n.get("id").asText(),
        CvmState.fromWireName(n.get("state").asText()),
        TeeKind.fromWireName(n.get("tee").asText()),
        n.get("host_port").asInt(),
        n.get("guest_cid").asInt(),
        n.get("pid").asLong(),
        instant(n, "process_start"),
        instant(n, "created_at"),
        instant(n, "ttl_deadline"),
        n.has("exit_code") ? n.get("exit_code").asInt() : null,
        n.has("failure") ? n.get("failure").asText() : null,
        n.has("launch_tcb") ? n.get("launch_tcb").asText() : null);
  }

  private static void putInstant(ObjectNode n, String field, Instant value) {
    if (value != null) {
      n.put(field, value.toString());
    }
  }

  private static Instant instant(JsonNode n, String field) {
    return n.hasNonNull(field) ? Instant.parse(n.get(field).asText()) : null;
  }
}
