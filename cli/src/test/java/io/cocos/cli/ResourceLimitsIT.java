package io.cocos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RESOURCE_EXHAUSTED: a manager allowed one CVM at a time. */
class ResourceLimitsIT {
  @TempDir Path dir;

  @Test
  void secondCvmIsRefusedWithItsOwnExitCode() throws Exception {
    Map<String, String> env = ManagerProcess.fakeQemuEnv(dir);
    env.put("MANAGER_MAX_VMS", "1");
    try (ManagerProcess manager = ManagerProcess.start(env)) {
      CliRun cli = new CliRun(Map.of("MANAGER_GRPC_URL", manager.url()), dir);
      CliRun.Result first = cli.run("create-vm", "--server-url", "10.0.0.1:7001", "--json");
      assertThat(first.code()).as(first.toString()).isZero();
      String id = JsonParser.parseString(first.out()).getAsJsonObject().get("cvmId").getAsString();
      try {
        CliRun.Result second = cli.run("create-vm", "--server-url", "10.0.0.1:7001");
        assertThat(second.code()).as(second.toString()).isEqualTo(ExitCode.EXHAUSTED);
        assertThat(second.outLines())
            .containsExactly(
                "🔗 Connected to manager using without TLS", "🔗 Creating a new virtual machine");
        assertThat(second.errLines()).hasSize(1);
        assertThat(second.errLines().get(0)).startsWith("❌ ");
      } finally {
        assertThat(cli.run("remove-vm", id).code()).isZero();
      }
    }
  }
}
