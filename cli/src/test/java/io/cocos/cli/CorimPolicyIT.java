package io.cocos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.cocos.manager.attestation.corim.ReferenceValues;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * attestation-policy against a manager run with MANAGER_ATTESTATION_POLICY_FORMAT=corim that
 * launches "TDX" CVMs (a fake QEMU does not care): the CoRIM is printed readably, as JSON, or
 * written as it is for policy verify-corim.
 */
class CorimPolicyIT {
  @TempDir Path dir;

  @Test
  void aCorimPolicyIsPrintedOrSavedForVerifyCorim() throws Exception {
    Map<String, String> env = ManagerProcess.fakeQemuEnv(dir.resolve("manager"));
    env.put("MANAGER_QEMU_ENABLE_TDX", "true");
    env.put("MANAGER_QEMU_OVMF_FILE", env.get("MANAGER_QEMU_OVMF_CODE_FILE"));
    env.put("MANAGER_ATTESTATION_POLICY_FORMAT", "corim");
    env.put("MANAGER_CORIM_TDX_MRSEAM", "5e".repeat(48));

    try (ManagerProcess manager = ManagerProcess.start(env)) {
      CliRun cli = new CliRun(Map.of("MANAGER_GRPC_URL", manager.url()), dir);
      CliRun.Result created = cli.run("create-vm", "--server-url", "10.0.0.1:7001");
      assertThat(created.code()).as(created.toString()).isZero();
      Matcher m = Pattern.compile("with id ([0-9a-f-]{36}) ").matcher(created.out());
      assertThat(m.find()).isTrue();
      String id = m.group(1);
      try {
        CliRun.Result printed = cli.run("attestation-policy", id);
        assertThat(printed.code()).as(printed.toString()).isZero();
        assertThat(printed.outLines().get(0)).matches("CoRIM tdx-corim-[0-9a-f-]{36}");
        assertThat(printed.outLines())
            .contains(
                "  unsigned",
                "        sha-384: " + ReferenceValues.Tdx.DEFAULT_MRTD,
                "        sha-384: " + "5e".repeat(48));

        CliRun.Result json = cli.run("attestation-policy", id, "--json");
        JsonObject o = JsonParser.parseString(json.out()).getAsJsonObject();
        assertThat(o.get("id").getAsString()).isEqualTo(id);
        assertThat(o.getAsJsonObject("policy").get("id").getAsString()).startsWith("tdx-corim-");

        CliRun.Result saved = cli.run("attestation-policy", id, "-o", "policy.corim");
        assertThat(saved.outLines())
            .containsExactly(
                "✅ Attestation policy (CoRIM) of CVM " + id + " written to policy.corim");
        CliRun.Result verified = cli.run("policy", "verify-corim", "policy.corim");
        assertThat(verified.code()).isZero();
        assertThat(verified.outLines()).contains("        sha-384: " + "5e".repeat(48));
      } finally {
        assertThat(cli.run("remove-vm", id).code()).isZero();
      }
    }
  }
}
