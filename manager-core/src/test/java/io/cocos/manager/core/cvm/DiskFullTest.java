package io.cocos.manager.core.cvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.cocos.manager.core.alloc.PortAllocator;
import io.cocos.manager.core.config.LifecycleConfig;
import io.cocos.manager.core.config.PortRange;
import io.cocos.manager.core.store.StateStore;
import io.cocos.manager.core.testing.FakeHypervisor;
import io.cocos.manager.core.trace.StepTracer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state dir on a 2 MiB tmpfs, filled up: CreateVm fails RESOURCE_EXHAUSTED naming the state
 * dir, leaves nothing, and works again as soon as space frees. Mounting needs root, as CI has.
 */
class DiskFullTest {
  @TempDir Path tmp;
  Path mount;
  LifecycleManager manager;

  @BeforeEach
  void mountSmallTmpfs() throws Exception {
    mount = Files.createDirectories(tmp.resolve("small"));
    run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mount.toString());
  }

  @AfterEach
  void unmount() throws Exception {
    if (manager != null) {
      manager.close();
    }
    run("umount", mount.toString());
  }

  @Test
  void createVmOnAFullDiskIsResourceExhaustedLeavesNothingAndWorksOnceSpaceFrees()
      throws Exception {
    Path stateDir = mount.resolve("state");
    PortRange range = new PortRange(6300, 6309);
    manager =
        LifecycleManager.onThisHost(
            new LifecycleConfig(stateDir, 5, range, 3, Duration.ofSeconds(1), "eos-1", 64L << 20),
            new FakeHypervisor(),
            LifecycleManagerTest.NO_POLICIES,
            new StateStore(stateDir),
            new PortAllocator(range, p -> true),
            Clock.systemUTC(),
            StepTracer.NONE);
    Path filler = mount.resolve("filler");
    fill(filler);

    assertThatThrownBy(() -> manager.createVm(LifecycleManagerTest.request("")))
        .isInstanceOf(ManagerException.class)
        .hasMessage("no space left on the device of MANAGER_STATE_DIR " + stateDir.toRealPath())
        .extracting(e -> ((ManagerException) e).reason())
        .isEqualTo(ManagerException.Reason.RESOURCE_EXHAUSTED);
    try (Stream<Path> s = Files.list(stateDir.resolve("cvms"))) {
      assertThat(s.toList()).isEmpty();
    }
    assertThat(manager.listVms()).isEmpty();
    assertThat(manager.slots().taken()).isZero();
    assertThat(manager.ports().unheld()).isEqualTo(10);
    assertThat(openDeletedFilesUnder(mount)).isEmpty();

    Files.delete(filler);
    CreatedCvm created = manager.createVm(LifecycleManagerTest.request(""));
    assertThat(manager.listVms()).singleElement().extracting(CvmRecord::id).isEqualTo(created.id());
    manager.removeVm(created.id());
    // The console watcher closes its handle on the removed log right after its last read.
    await().until(() -> openDeletedFilesUnder(mount).isEmpty());
  }

  private static void fill(Path file) throws IOException {
    byte[] chunk = new byte[64 * 1024];
    try (OutputStream out = Files.newOutputStream(file)) {
      while (true) {
        out.write(chunk);
      }
    } catch (IOException e) {
      if (!e.getMessage().contains("No space left on device")) {
        throw e;
      }
    }
  }

  /**
   * Files this JVM still holds open though they were deleted: space a full disk never gets back.
   */
  private static List<String> openDeletedFilesUnder(Path dir) throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.map(
              fd -> {
                try {
                  return Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                  return "";
                }
              })
          .filter(target -> target.startsWith(dir.toString()) && target.endsWith("(deleted)"))
          .toList();
    }
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed (needs root): " + out);
    }
  }
}
