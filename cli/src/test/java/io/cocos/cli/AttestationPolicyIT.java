package io.cocos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * attestation-policy against a manager that launches "TDX" CVMs (a fake QEMU does not care) and
 * asks a stand-in attestation-policy tool for the policy, which it passes on as printed.
 */
class AttestationPolicyIT {
  // compact, with a TCB above 2^63 and characters JSON printers like to escape
  private static final String POLICY =
      "{\"policy\":{\"minimum_launch_tcb\":15352208179752599555,\"vmpl\":2,"
          + "\"measurement\":\"q83vEjRWeJA=\",\"product\":{\"name\":1}},\"root_of_trust\":{\"product\":\"Milan\","
          + "\"check_crl\":true},\"pcr_values\":{\"sha256\":{}}}";
  private static final String PRETTY =
      """
      {
        "policy": {
          "minimum_launch_tcb": 15352208179752599555,
          "vmpl": 2,
          "measurement": "q83vEjRWeJA=",
          "product": {
            "name": 1
          }
        },
        "root_of_trust": {
          "product": "Milan",
          "check_crl": true
        },
        "pcr_values": {
          "sha256": {}
        }
      }
      """;

  @TempDir Path dir;

  @Test
  void prettyPrintsToStdoutOrAFileAndAsJson() throws Exception {
    Map<String, String> env = ManagerProcess.fakeQemuEnv(dir.resolve("manager"));
    Path tool = dir.resolve("attestation_policy");
    Files.writeString(tool, "#!/bin/sh\necho '" + POLICY + "'\n");
    Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
    env.put("MANAGER_QEMU_ENABLE_TDX", "true");
    env.put("MANAGER_QEMU_OVMF_FILE", env.get("MANAGER_QEMU_OVMF_CODE_FILE"));
    env.put("MANAGER_ATTESTATION_POLICY_BINARY", tool.toString());

    try (ManagerProcess manager = ManagerProcess.start(env)) {
      CliRun cli = new CliRun(Map.of("MANAGER_GRPC_URL", manager.url()), dir);
      CliRun.Result created = cli.run("create-vm", "--server-url", "10.0.0.1:7001");
      assertThat(created.code()).as(created.toString()).isZero();
      Matcher m = Pattern.compile("with id ([0-9a-f-]{36}) ").matcher(created.out());
      assertThat(m.find()).isTrue();
      String id = m.group(1);
      try {
        assertThat(cli.run("list-vms").out()).contains(" tdx ");

        CliRun.Result printed = cli.run("attestation-policy", id);
        assertThat(printed.code()).as(printed.toString()).isZero();
        assertThat(printed.err()).isEmpty();
        assertThat(printed.out()).isEqualTo(PRETTY);

        CliRun.Result saved = cli.run("attestation-policy", id, "-o", "policy.json");
        assertThat(saved.code()).isZero();
        assertThat(saved.outLines())
            .containsExactly("✅ Attestation policy of CVM " + id + " written to policy.json");
        assertThat(dir.resolve("policy.json")).hasContent(PRETTY);

        CliRun.Result json = cli.run("attestation-policy", id, "--json");
        assertThat(json.code()).isZero();
        JsonObject o = JsonParser.parseString(json.out()).getAsJsonObject();
        assertThat(o.keySet()).containsExactly("id", "policy");
        assertThat(o.get("id").getAsString()).isEqualTo(id);
        assertThat(o.get("policy")).isEqualTo(JsonParser.parseString(POLICY));
        assertThat(json.out()).contains("15352208179752599555");

        CliRun.Result jsonFile =
            cli.run(
                "attestation-policy", id, "--json", "--output", dir.resolve("p2.json").toString());
        assertThat(jsonFile.code()).isZero();
        JsonObject f = JsonParser.parseString(jsonFile.out()).getAsJsonObject();
        assertThat(f.get("file").getAsString()).isEqualTo(dir.resolve("p2.json").toString());
        assertThat(dir.resolve("p2.json")).hasContent(PRETTY);

        CliRun.Result badFile = cli.run("attestation-policy", id, "-o", "no/such/dir/policy.json");
        assertThat(badFile.code()).isEqualTo(ExitCode.LOCAL);
        assertThat(badFile.errLines())
            .containsExactly("❌ cannot write no/such/dir/policy.json: no such file");

        // The real jar, to a pipe.
        CliRun.Result process =
            CliProcess.run(
                Map.of("MANAGER_GRPC_URL", manager.url()), dir, "attestation-policy", id);
        assertThat(process.code()).isZero();
        assertThat(process.out()).isEqualTo(PRETTY);
      } finally {
        assertThat(cli.run("remove-vm", id).code()).isZero();
      }
      assertThat(cli.run("list-vms").outLines()).isEqualTo(List.of("No virtual machines."));
    }
  }
}
