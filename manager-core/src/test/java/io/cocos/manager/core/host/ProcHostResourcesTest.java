package io.cocos.manager.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcHostResourcesTest {
  @TempDir Path dir;

  @Test
  void readsThisHostsRealProcAndSys() throws Exception {
    ProcHostResources host = ProcHostResources.system();
    String memTotal =
        Files.readAllLines(Path.of("/proc/meminfo")).stream()
            .filter(l -> l.startsWith("MemTotal:"))
            .findFirst()
            .orElseThrow();
    long kib = Long.parseLong(memTotal.replaceAll("\\D", ""));
    assertThat(host.memoryTotal()).isEqualTo(kib * 1024);
    assertThat(host.memoryAvailable()).isPositive().isLessThanOrEqualTo(host.memoryTotal());
    // availableProcessors() may be narrowed by affinity or cgroups, never above the online CPUs
    assertThat(host.cpusOnline())
        .isGreaterThanOrEqualTo(Runtime.getRuntime().availableProcessors());
  }

  @Test
  void readsFieldsInKibibytesWhereverTheyAre() throws Exception {
    Path meminfo = dir.resolve("meminfo");
    Files.writeString(
        meminfo,
        "MemFree:         100 kB\nMemTotal:       32594156 kB\nMemAvailable:   2048 kB\n"
            + "HugePages_Total:       0\n");
    Path online = dir.resolve("online");
    Files.writeString(online, "0-3,6,8-11\n");
    ProcHostResources host = new ProcHostResources(meminfo, online);
    assertThat(host.memoryTotal()).isEqualTo(32594156L * 1024);
    assertThat(host.memoryAvailable()).isEqualTo(2048L * 1024);
    assertThat(host.cpusOnline()).isEqualTo(9);
  }

  @Test
  void anythingMissingOrMalformedIsUnknown() throws Exception {
    Path meminfo = dir.resolve("meminfo");
    Path online = dir.resolve("online");
    ProcHostResources host = new ProcHostResources(meminfo, online);
    assertThat(host.memoryTotal()).isZero();
    assertThat(host.cpusOnline()).isZero();

    Files.writeString(meminfo, "MemTotal: lots kB\nMemAvailable:\n");
    Files.writeString(online, "3-1");
    assertThat(host.memoryTotal()).isZero();
    assertThat(host.memoryAvailable()).isZero();
    assertThat(host.cpusOnline()).isZero();

    Files.writeString(meminfo, "MemTotal: 99999999999999999 kB\n"); // overflows in bytes
    assertThat(host.memoryTotal()).isZero();
    Files.writeString(online, "");
    assertThat(host.cpusOnline()).isZero();
  }

  @Test
  void cpuListsCountEveryCpu() {
    assertThat(ProcHostResources.cpuListSize("0")).isEqualTo(1);
    assertThat(ProcHostResources.cpuListSize("0-1")).isEqualTo(2);
    assertThat(ProcHostResources.cpuListSize("0-3,6,8-11")).isEqualTo(9);
    assertThatThrownBy(() -> ProcHostResources.cpuListSize("a-b"))
        .isInstanceOf(NumberFormatException.class);
  }
}
