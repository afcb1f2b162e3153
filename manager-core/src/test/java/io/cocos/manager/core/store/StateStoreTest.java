package io.cocos.manager.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cocos.manager.core.cvm.CvmRecord;
import io.cocos.manager.core.cvm.CvmState;
import io.cocos.manager.core.vm.TeeKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {
  @TempDir Path tmp;

  static CvmRecord record(String id) {
    return new CvmRecord(
        id,
        CvmState.RUNNING,
        TeeKind.NONE,
        6100,
        3,
        4242,
        Instant.parse("2026-11-21T10:00:00Z"),
        Instant.parse("2026-11-21T09:59:59Z"),
        null,
        null,
        null,
        null,
        0);
  }

  static String json(String id) {
    return "{\"id\":\""
        + id
        + "\",\"state\":\"running\",\"tee\":\"none\",\"host_port\":6100,\"guest_cid\":3,"
        + "\"pid\":4242,\"process_start\":\"2026-11-21T10:00:00Z\",\"created_at\":\"2026-11-21T09:59:59Z\"}";
  }

  List<String> quarantined() throws Exception {
    Path q = tmp.resolve("quarantine");
    if (!Files.exists(q)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(q)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }

  @Test
  void recordsSurviveARoundTripIncludingUnsignedTcbAndNulls() throws Exception {
    StateStore store = new StateStore(tmp);
    String id = UUID.randomUUID().toString();
    CvmRecord full =
        new CvmRecord(
            id,
            CvmState.EXITED,
            TeeKind.SEV_SNP,
            6100,
            3,
            4242,
            Instant.parse("2026-11-21T10:00:00.120Z"),
            Instant.parse("2026-11-21T09:59:59Z"),
            Instant.parse("2026-11-21T11:00:00Z"),
            137,
            null,
            "15352208179752599555",
            2L << 30);
    store.save(full);
    String id2 = UUID.randomUUID().toString();
    CvmRecord sparse =
        new CvmRecord(
            id2,
            CvmState.PROVISIONING,
            TeeKind.NONE,
            0,
            4,
            0,
            null,
            Instant.parse("2026-11-21T09:00:00Z"),
            null,
            null,
            null,
            null,
            0);
    store.save(sparse);

    StateStore.Scan scan = store.scan();
    assertThat(scan.records()).containsExactlyInAnyOrder(full, sparse);
    assertThat(scan.quarantined()).isEmpty();
    assertThat(Files.list(store.paths(id).dir()))
        .extracting(p -> p.getFileName().toString())
        .containsExactly("state.json");
  }

  @Test
  void idsThatAreNotUuidsNeverBecomePaths() throws Exception {
    StateStore store = new StateStore(tmp);
    for (String bad : new String[] {"", "../../etc", "..", "x/y", UUID.randomUUID() + "/.."}) {
      assertThatThrownBy(() -> store.paths(bad)).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> store.save(record("../outside")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(tmp.resolve("outside")).doesNotExist();
  }

  @Test
  void badRecordsAreQuarantinedNeverDeletedAndNeverFollowed() throws Exception {
    StateStore store = new StateStore(tmp);
    Path cvms = tmp.resolve("cvms");
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(outside.resolve("precious"), "keep me");
    Files.writeString(outside.resolve("state.json"), json(UUID.randomUUID().toString()));

    String good = UUID.randomUUID().toString();
    store.save(record(good));
    // The record's id says ../: it must not name any path.
    String traversal = UUID.randomUUID().toString();
    Files.createDirectories(cvms.resolve(traversal));
    Files.writeString(cvms.resolve(traversal).resolve("state.json"), json("../outside"));
    // An empty id.
    String empty = UUID.randomUUID().toString();
    Files.createDirectories(cvms.resolve(empty));
    Files.writeString(cvms.resolve(empty).resolve("state.json"), json(""));
    // Truncated JSON.
    String truncated = UUID.randomUUID().toString();
    Files.createDirectories(cvms.resolve(truncated).resolve("certs"));
    Files.writeString(
        cvms.resolve(truncated).resolve("state.json"), json(truncated).substring(0, 40));
    // A copy of the good CVM's directory under another name.
    String copy = UUID.randomUUID().toString();
    Files.createDirectories(cvms.resolve(copy));
    Files.copy(cvms.resolve(good).resolve("state.json"), cvms.resolve(copy).resolve("state.json"));
    // A CVM directory that is a symlink to a directory outside, and a state.json that is one.
    String linkedDir = UUID.randomUUID().toString();
    Files.createSymbolicLink(cvms.resolve(linkedDir), outside);
    String linkedFile = UUID.randomUUID().toString();
    Files.createDirectories(cvms.resolve(linkedFile));
    Files.createSymbolicLink(
        cvms.resolve(linkedFile).resolve("state.json"), outside.resolve("state.json"));
    // Not named by a UUID, and not a directory.
    Files.createDirectories(cvms.resolve("lost+found"));
    Files.writeString(cvms.resolve("stray-file"), "x");
    // A directory with nothing but a half-written first save: an interrupted create.
    String interrupted = UUID.randomUUID().toString();
    Files.createDirectories(cvms.resolve(interrupted));
    Files.writeString(cvms.resolve(interrupted).resolve("state.json.tmp"), "{");

    StateStore.Scan scan = store.scan();

    assertThat(scan.records()).extracting(CvmRecord::id).containsExactly(good);
    assertThat(scan.incomplete()).containsExactly(cvms.resolve(interrupted));
    assertThat(scan.quarantined()).hasSize(8);
    assertThat(quarantined())
        .hasSize(8)
        .allSatisfy(name -> assertThat(name).matches("[A-Za-z0-9._-]+"));
    try (Stream<Path> s = Files.list(cvms)) {
      assertThat(s.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(good, interrupted);
    }
    // The symlinks were moved as links: their targets are untouched.
    assertThat(outside.resolve("precious")).hasContent("keep me");
    assertThat(outside.resolve("state.json")).exists();
    assertThat(scan.quarantined()).anySatisfy(p -> assertThat(Files.isSymbolicLink(p)).isTrue());

    store.deleteAll(interrupted);
    assertThat(cvms.resolve(interrupted)).doesNotExist();
  }

  @Test
  void deletionUnlinksSymlinksInsideACvmDirectoryAndLeavesTheirTargets() throws Exception {
    StateStore store = new StateStore(tmp);
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(outside.resolve("precious"), "keep me");
    String id = UUID.randomUUID().toString();
    store.save(record(id));
    Files.createSymbolicLink(store.paths(id).certsDir(), outside);
    Files.createSymbolicLink(store.paths(id).consoleLog(), outside.resolve("precious"));

    store.deleteAll(id);

    assertThat(store.paths(id).dir()).doesNotExist();
    assertThat(outside.resolve("precious")).hasContent("keep me");
  }

  @Test
  void whatCannotBeDeletedIsNamedAndTheRecordStays() throws Exception {
    StateStore store = new StateStore(tmp);
    String id = UUID.randomUUID().toString();
    store.save(record(id));
    Path certs = Files.createDirectories(store.paths(id).certsDir());
    Files.writeString(certs.resolve("key.pem"), "secret");
    Immutable.set(certs);
    try {
      assertThatThrownBy(() -> store.deleteContents(id))
          .hasMessageContaining("certs/key.pem")
          .hasMessageContaining(store.paths(id).dir().toString());
      assertThat(store.paths(id).stateFile()).exists();
    } finally {
      Immutable.clear(certs);
    }
    store.deleteAll(id);
    assertThat(store.paths(id).dir()).doesNotExist();
  }
}
