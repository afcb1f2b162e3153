package io.cocos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.cocos.manager.core.host.ProcHostResources;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cocos-cli host-info against a real manager process, and the memory refusal it explains. */
class HostInfoIT {
  static final long MIB = 1L << 20;

  @TempDir Path dir;

  @Test
  void hostInfoShowsCapacityAndUseAndAMemoryRefusalHasTheExhaustedExitCode() throws Exception {
    long memTotal = ProcHostResources.system().memoryTotal();
    long memTotalMib = memTotal / MIB;
    // (a little over 1025 MiB left after the reserve) * 2: two 1 GiB CVMs fit, a third does not
    long limitMib = (memTotal - (memTotalMib - 1025) * MIB) * 2 / MIB;
    Map<String, String> env = ManagerProcess.fakeQemuEnv(dir);
    env.put("MANAGER_QEMU_MEMORY_SIZE", "1024M");
    env.put("MANAGER_QEMU_MAX_MEMORY", "1024M");
    env.put("MANAGER_QEMU_SMP_COUNT", "2");
    env.put("MANAGER_HOST_MEMORY_RESERVE", (memTotalMib - 1024 - 1) + "M");
    env.put("MANAGER_HOST_MEMORY_OVERCOMMIT", "2");
    try (ManagerProcess manager = ManagerProcess.start(env)) {
      CliRun cli = new CliRun(Map.of("MANAGER_GRPC_URL", manager.url()), dir);
      CliRun.Result idle = cli.run("host-info");
      assertThat(idle.code()).as(idle.toString()).isZero();
      // columns compared with their padding collapsed
      assertThat(idle.outLines().stream().map(l -> l.replaceAll(" +", " ")))
          .contains(
              "RESOURCE TOTAL USED FREE",
              "CVM slots 10 0 10",
              "Guest memory " + limitMib + " MiB 0 MiB " + limitMib + " MiB",
              "Host ports 20 0 20",
              "GPUs 0 0 0",
              "Room for: 2 more CVM(s)",
              "Per CVM: 1024 MiB, 2 vCPU(s)",
              "TEE: none",
              "QEMU: QEMU emulator version 7.2.0 (fake-qemu)",
              "JDK: " + Runtime.version());
      assertThat(idle.out())
          .contains("Host memory: " + memTotalMib + " MiB total, " + (memTotalMib - 1025) + " MiB");

      String first = created(cli.run("create-vm", "--server-url", "10.0.0.1:7001", "--json"));
      String second = created(cli.run("create-vm", "--server-url", "10.0.0.1:7001", "--json"));
      try {
        CliRun.Result refused = cli.run("create-vm", "--server-url", "10.0.0.1:7001");
        assertThat(refused.code()).as(refused.toString()).isEqualTo(ExitCode.EXHAUSTED);
        assertThat(refused.err())
            .contains(
                "not enough memory: 1024 MiB asked, "
                    + (limitMib - 2048)
                    + " MiB free of "
                    + limitMib
                    + " MiB");

        CliRun.Result json = cli.run("host-info", "--json");
        assertThat(json.code()).as(json.toString()).isZero();
        JsonObject info = JsonParser.parseString(json.out()).getAsJsonObject();
        assertThat(info.get("guestMemoryCommittedBytes").getAsString())
            .isEqualTo(Long.toString(2048 * MIB));
        assertThat(info.get("cvmsHoldingSlots").getAsInt()).isEqualTo(2);
        assertThat(info.get("vcpusCommitted").getAsInt()).isEqualTo(4);
        assertThat(info.get("cvmsAvailable").getAsInt()).isZero();
        assertThat(info.get("memoryOvercommit").getAsDouble()).isEqualTo(2.0);
        assertThat(info.get("features").toString()).contains("memory-admission");
      } finally {
        assertThat(cli.run("remove-vm", first).code()).isZero();
        assertThat(cli.run("remove-vm", second).code()).isZero();
      }
    }
  }

  private static String created(CliRun.Result r) {
    assertThat(r.code()).as(r.toString()).isZero();
    return JsonParser.parseString(r.out()).getAsJsonObject().get("cvmId").getAsString();
  }
}
