package io.cocos.manager.core.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cocos.manager.core.cvm.CvmRecord;
import io.cocos.manager.core.cvm.CvmState;
import io.cocos.manager.core.vm.TeeKind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
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
 *
 * <p>Records are checked, never followed: a CVM directory is only ever named by a UUID this store
 * generated paths for; at restore a record counts only when its directory is a real directory (not
 * a symlink) named by a UUID and its state.json, a regular file, parses and names that same UUID.
 * Anything else — a bad or empty id, {@code ../} in an id, truncated JSON, a copied directory, a
 * symlink — is moved aside to {@code <state dir>/quarantine/} with a warning, never deleted and
 * never followed. Deletion walks without following symlinks, so nothing outside the state directory
 * is ever deleted.
 *
 * <p>Thread-safety: stateless apart from its paths; callers serialise the writes of one CVM.
 */
public final class StateStore {
  private static final Logger log = LoggerFactory.getLogger(StateStore.class);
  private static final Pattern UUID_NAME =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  /**
   * Made when a record is first read or written, not when the store opens at start-up: an
   * ObjectMapper's set-up (its date format's calendar and locale data) is ≈ 20 ms.
   */
  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }

  /** A state.json is a few hundred bytes; a bigger one is not ours and is not read whole. */
  private static final int MAX_RECORD_BYTES = 64 * 1024;

  /** How many leftover paths an error names. */
  private static final int LEFTOVERS_NAMED = 5;

  private final Path stateDir;
  private final Path cvmsDir;
  private final Path quarantineDir;

  /**
   * Creates {@code <stateDir>/cvms}; every path is then resolved from the state dir's real path.
   */
  public StateStore(Path stateDir) throws IOException {
    SecureFiles.createPrivateDirectory(stateDir.resolve("cvms"));
    this.stateDir = stateDir.toRealPath();
    this.cvmsDir = this.stateDir.resolve("cvms");
    this.quarantineDir = this.stateDir.resolve("quarantine");
  }

  public static boolean isCvmId(String id) {
    return id != null && UUID_NAME.matcher(id).matches();
  }

  public Path stateDir() {
    return stateDir;
  }

  /** The directory every CVM directory is in. */
  public Path cvmsDir() {
    return cvmsDir;
  }

  /** A CVM's paths; refuses anything but a UUID, so no id can name a path outside cvms/. */
  public CvmPaths paths(String cvmId) {
    if (!isCvmId(cvmId)) {
      throw new IllegalArgumentException("not a CVM id: " + bounded(cvmId));
    }
    return new CvmPaths(cvmsDir.resolve(cvmId));
  }

  /** Creates the CVM's directory if needed and writes its record there (atomically). */
  public void save(CvmRecord record) throws IOException {
    CvmPaths paths = paths(record.id());
    SecureFiles.createPrivateDirectory(paths.dir());
    SecureFiles.replaceAtomically(paths.stateFile(), Json.MAPPER.writeValueAsBytes(toJson(record)));
  }

  /**
   * What restore finds in cvms/.
   *
   * @param records valid records, each in the directory its id names
   * @param incomplete UUID-named directories without a record, the trace of a create or a removal
   *     interrupted before its first save or after its record went: to delete
   * @param quarantined where the entries that failed the checks were moved
   */
  public record Scan(List<CvmRecord> records, List<Path> incomplete, List<Path> quarantined) {}

  /** Reads every CVM directory, quarantining what fails the checks (see the class comment). */
  public Scan scan() throws IOException {
    List<CvmRecord> records = new ArrayList<>();
    List<Path> incomplete = new ArrayList<>();
    List<Path> quarantined = new ArrayList<>();
    List<Path> entries;
    try (Stream<Path> s = Files.list(cvmsDir)) {
      entries = s.sorted().toList();
    }
    for (Path entry : entries) {
      String name = entry.getFileName().toString();
      String problem;
      if (Files.isSymbolicLink(entry)) {
        problem = "it is a symbolic link";
      } else if (!Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
        problem = "it is not a directory";
      } else if (!isCvmId(name)) {
        problem = "it is not named by a CVM id";
      } else {
        Path stateFile = new CvmPaths(entry).stateFile();
        if (!Files.exists(stateFile, LinkOption.NOFOLLOW_LINKS) && onlyLeftoversOfASave(entry)) {
          incomplete.add(entry);
          continue;
        }
        problem = check(stateFile, name, records);
      }
      if (problem != null) {
        quarantined.add(quarantine(entry, problem));
      }
    }
    return new Scan(records, incomplete, quarantined);
  }

  /** Null when the record is valid (and then added to {@code into}), else what is wrong with it. */
  private static String check(Path stateFile, String dirName, List<CvmRecord> into) {
    if (!Files.isRegularFile(stateFile, LinkOption.NOFOLLOW_LINKS)) {
      return Files.exists(stateFile, LinkOption.NOFOLLOW_LINKS)
          ? "its state.json is not a regular file"
          : "it has no state.json";
    }
    CvmRecord record;
    try (InputStream in = Files.newInputStream(stateFile, LinkOption.NOFOLLOW_LINKS)) {
      byte[] bytes = in.readNBytes(MAX_RECORD_BYTES + 1);
      if (bytes.length > MAX_RECORD_BYTES) {
        return "its state.json is larger than " + MAX_RECORD_BYTES + " bytes";
      }
      record = fromJson(Json.MAPPER.readTree(bytes));
    } catch (IOException | RuntimeException e) {
      return "its state.json is unreadable ("
          + bounded(String.valueOf(e.getMessage()).lines().findFirst().orElse(""))
          + ")";
    }
    if (!dirName.equals(record.id())) {
      return "its state.json names CVM "
          + bounded(record.id())
          + ", not the directory's own id (a copy?)";
    }
    into.add(record);
    return null;
  }

  /** Nothing there but what an interrupted first save or an interrupted removal leaves. */
  private static boolean onlyLeftoversOfASave(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.allMatch(p -> p.getFileName().toString().equals("state.json.tmp"));
    } catch (IOException e) {
      return false;
    }
  }

  private Path quarantine(Path entry, String problem) throws IOException {
    SecureFiles.createPrivateDirectory(quarantineDir);
    String name = entry.getFileName().toString();
    String safe = name.replaceAll("[^A-Za-z0-9._-]", "_");
    safe = safe.substring(0, Math.min(safe.length(), 80));
    String stamp = Clock.systemUTC().instant().toString().replace(':', '-');
    Path target = quarantineDir.resolve(stamp + "-" + safe);
    for (int n = 1; Files.exists(target, LinkOption.NOFOLLOW_LINKS); n++) {
      target = quarantineDir.resolve(stamp + "-" + n + "-" + safe);
    }
    // A rename moves the entry itself: a symlink stays a symlink, its target is never touched.
    Files.move(entry, target);
    log.warn(
        "moved CVM directory entry {} of {} aside to {}: {}",
        bounded(name),
        cvmsDir,
        target,
        problem);
    return target;
  }

  /**
   * Deletes everything of a CVM but its record, which stays so that an interrupted or failed
   * removal is known and finished later. Throws, naming what is left, when something could not be
   * deleted; deletes all it can first.
   */
  public void deleteContents(String cvmId) throws IOException {
    CvmPaths paths = paths(cvmId);
    if (unlinkedIfNotADirectory(paths.dir())) {
      return;
    }
    List<String> left = new ArrayList<>();
    List<String> reasons = new ArrayList<>();
    List<Path> entries;
    try (Stream<Path> s = Files.list(paths.dir())) {
      entries = s.filter(p -> !p.equals(paths.stateFile())).toList();
    }
    for (Path entry : entries) {
      deleteTreeCollecting(paths.dir(), entry, left, reasons);
    }
    if (!left.isEmpty()) {
      throw new IOException(
          left.size()
              + " file(s) left in "
              + paths.dir()
              + ": "
              + String.join(", ", left.subList(0, Math.min(LEFTOVERS_NAMED, left.size())))
              + (left.size() > LEFTOVERS_NAMED ? ", …" : "")
              + " ("
              + reasons.get(0)
              + ")");
    }
  }

  /** Deletes the record and then the (by now empty) directory: the last step of a removal. */
  public void deleteRecord(String cvmId) throws IOException {
    CvmPaths paths = paths(cvmId);
    if (unlinkedIfNotADirectory(paths.dir())) {
      return;
    }
    Files.deleteIfExists(paths.dir().resolve("state.json.tmp"));
    Files.deleteIfExists(paths.stateFile());
    Files.deleteIfExists(paths.dir());
  }

  /** Everything of a CVM, its record last. */
  public void deleteAll(String cvmId) throws IOException {
    deleteContents(cvmId);
    deleteRecord(cvmId);
  }

  /**
   * Removes a directory path that is a symlink or a file (never what it points to); true if it was
   * one.
   */
  private static boolean unlinkedIfNotADirectory(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return true;
    }
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      Files.delete(dir);
      return true;
    }
    return false;
  }

  private static void deleteTreeCollecting(
      Path base, Path root, List<String> left, List<String> reasons) throws IOException {
    // walkFileTree does not follow symlinks: a link is visited as a file and unlinked.
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException exc) {
            if (!(exc instanceof NoSuchFileException)) {
              note(file, exc);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException exc) {
            delete(dir);
            return FileVisitResult.CONTINUE;
          }

          private void delete(Path p) {
            try {
              Files.deleteIfExists(p);
            } catch (IOException e) {
              note(p, e);
            }
          }

          private void note(Path p, IOException e) {
            left.add(base.relativize(p).toString());
            reasons.add(
                e instanceof FileSystemException fse && fse.getReason() != null
                    ? fse.getReason()
                    : String.valueOf(e.getMessage()));
          }
        });
  }

  /** A name or id from disk, quoted in bounded form. */
  static String bounded(String text) {
    if (text == null) {
      return "(none)";
    }
    String printable = text.replaceAll("\\p{Cntrl}", "?");
    return printable.length() <= 80
        ? "\"" + printable + "\""
        : "\"" + printable.substring(0, 80) + "…\"";
  }

  static ObjectNode toJson(CvmRecord r) {
    ObjectNode n = Json.MAPPER.createObjectNode();
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
    if (r.guestMemory() > 0) {
      n.put("guest_memory", r.guestMemory());
    }
    return n;
  }

  static CvmRecord fromJson(JsonNode n) {
    int port = n.get("host_port").asInt();
    int cid = n.get("guest_cid").asInt();
    long pid = n.get("pid").asLong();
    long guestMemory = n.has("guest_memory") ? n.get("guest_memory").asLong() : 0;
    if (port < 0 || port > 65535 || cid < 0 || pid < 0 || guestMemory < 0) {
      throw new IllegalArgumentException("port, guest CID, pid or guest memory out of range");
    }
    return new CvmRecord(
        n.get("id").asText(),
        CvmState.fromWireName(n.get("state").asText()),
        TeeKind.fromWireName(n.get("tee").asText()),
        port,
        cid,
        pid,
        instant(n, "process_start"),
        instant(n, "created_at"),
        instant(n, "ttl_deadline"),
        n.has("exit_code") ? n.get("exit_code").asInt() : null,
        n.has("failure") ? n.get("failure").asText() : null,
        n.has("launch_tcb") ? n.get("launch_tcb").asText() : null,
        guestMemory);
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
