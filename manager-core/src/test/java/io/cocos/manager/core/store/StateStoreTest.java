package io.cocos.manager.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.cocos.manager.core.cvm.CvmRecord;
import io.cocos.manager.core.cvm.CvmState;
import io.cocos.manager.core.vm.TeeKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {
  @Test
  void recordsSurviveARoundTripIncludingUnsignedTcbAndNulls(@TempDir Path tmp) throws Exception {
    StateStore store = new StateStore(tmp);
    String id = UUID.randomUUID().toString();
    Files.createDirectories(store.paths(id).dir());
    CvmRecord full = new CvmRecord(id, CvmState.EXITED, TeeKind.SEV_SNP, 6100, 3, 4242,
        Instant.parse("2026-11-21T10:00:00.120Z"), Instant.parse("2026-11-21T09:59:59Z"),
        Instant.parse("2026-11-21T11:00:00Z"), 137, null, "15352208179752599555");
    store.save(full);
    String id2 = UUID.randomUUID().toString();
    Files.createDirectories(store.paths(id2).dir());
    CvmRecord sparse = new CvmRecord(id2, CvmState.PROVISIONING, TeeKind.NONE, 0, 4, 0, null,
        Instant.parse("2026-11-21T09:00:00Z"), null, null, null, null);
    store.save(sparse);

    assertThat(store.loadAll()).extracting(StateStore.Loaded::record).containsExactlyInAnyOrder(full, sparse);
    assertThat(Files.list(store.paths(id).dir())).extracting(p -> p.getFileName().toString())
        .containsExactly("state.json");
  }

  @Test
  void aCorruptRecordIsReportedAsMissingAndForeignDirectoriesAreIgnored(@TempDir Path tmp) throws Exception {
    StateStore store = new StateStore(tmp);
    String id = UUID.randomUUID().toString();
    Files.createDirectories(store.paths(id).dir());
    Files.writeString(store.paths(id).stateFile(), "{\"id\": 1");
    Files.createDirectories(tmp.resolve("cvms").resolve("lost+found"));
    assertThat(store.loadAll()).singleElement().satisfies(l -> {
      assertThat(l.record()).isNull();
      assertThat(l.dir()).isEqualTo(store.paths(id).dir());
    });
    store.deleteAll(id);
    assertThat(store.paths(id).dir()).doesNotExist();
  }
}
