package io.cocos.manager.attestation.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cocos.manager.core.config.ConfigException;
import io.cocos.manager.core.config.Env;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AttestationConfigTest {
  private static AttestationConfig config(String... nameValue) {
    Map<String, String> vars = new HashMap<>();
    for (int i = 0; i < nameValue.length; i += 2) {
      vars.put(nameValue[i], nameValue[i + 1]);
    }
    return AttestationConfig.fromEnv(new Env(vars), true);
  }

  @Test
  void defaultsAreUpstreams() {
    AttestationConfig c = config();

    assertThat(c.policyBinary()).isEqualTo(Path.of("../../build/attestation_policy"));
    assertThat(c.igvmMeasureBinary()).isEqualTo(Path.of("../../build/igvmmeasure"));
    assertThat(c.pcrValues()).isEmpty();
    assertThat(c.igvmFile()).isEqualTo(Path.of("/root/coconut-qemu.igvm"));
    assertThat(c.hostData()).isEmpty();
    assertThat(c.toolTimeout()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void everyVariableIsRead() {
    AttestationConfig c =
        config(
            "MANAGER_ATTESTATION_POLICY_BINARY", "/usr/local/bin/attestation_policy",
            "MANAGER_IGVMMEASURE_BINARY", "/usr/local/bin/igvmmeasure",
            "MANAGER_PCR_VALUES", "/etc/cocos/pcr.json",
            "MANAGER_QEMU_IGVM_FILE", "/etc/cocos/coconut-qemu.igvm",
            "MANAGER_QEMU_ENABLE_HOST_DATA", "true",
            "MANAGER_QEMU_HOST_DATA", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            "MANAGER_ATTESTATION_TOOL_TIMEOUT", "1m30s");

    assertThat(c.policyBinary()).isEqualTo(Path.of("/usr/local/bin/attestation_policy"));
    assertThat(c.igvmMeasureBinary()).isEqualTo(Path.of("/usr/local/bin/igvmmeasure"));
    assertThat(c.pcrValues()).contains(Path.of("/etc/cocos/pcr.json"));
    assertThat(c.igvmFile()).isEqualTo(Path.of("/etc/cocos/coconut-qemu.igvm"));
    assertThat(c.hostData()).contains("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
    assertThat(c.toolTimeout()).isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void upstreamsToolDirectoryGivesBothTools() {
    AttestationConfig c = config("MANAGER_ATTESTATION_POLICY_BINARY_PATH", "/opt/cocos/bin");

    assertThat(c.policyBinary()).isEqualTo(Path.of("/opt/cocos/bin/attestation_policy"));
    assertThat(c.igvmMeasureBinary()).isEqualTo(Path.of("/opt/cocos/bin/igvmmeasure"));
  }

  @Test
  void aToolsOwnVariableWinsOverTheDirectory() {
    AttestationConfig c =
        config(
            "MANAGER_ATTESTATION_POLICY_BINARY_PATH",
            "/opt/cocos/bin",
            "MANAGER_IGVMMEASURE_BINARY",
            "/usr/local/bin/igvmmeasure");

    assertThat(c.policyBinary()).isEqualTo(Path.of("/opt/cocos/bin/attestation_policy"));
    assertThat(c.igvmMeasureBinary()).isEqualTo(Path.of("/usr/local/bin/igvmmeasure"));
  }

  @Test
  void hostDataIsIgnoredWhileDisabled() {
    assertThat(config("MANAGER_QEMU_HOST_DATA", "not base64").hostData()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", "not base64!", "AAECAwQ=", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gIQ=="})
  void hostDataMustBe32BytesOfBase64(String value) {
    assertThatThrownBy(
            () -> config("MANAGER_QEMU_ENABLE_HOST_DATA", "true", "MANAGER_QEMU_HOST_DATA", value))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e -> assertThat(e.variable()).isEqualTo("MANAGER_QEMU_HOST_DATA"))
        .hasMessageContaining("base64 of exactly 32 bytes");
  }

  @ParameterizedTest
  @ValueSource(strings = {"0s", "soon", "-1s"})
  void theToolTimeoutMustBeAPositiveDuration(String value) {
    assertThatThrownBy(() -> config("MANAGER_ATTESTATION_TOOL_TIMEOUT", value))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e -> assertThat(e.variable()).isEqualTo("MANAGER_ATTESTATION_TOOL_TIMEOUT"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "MANAGER_ATTESTATION_POLICY_BINARY",
        "MANAGER_IGVMMEASURE_BINARY",
        "MANAGER_PCR_VALUES",
        "MANAGER_QEMU_IGVM_FILE",
        "MANAGER_ATTESTATION_POLICY_BINARY_PATH"
      })
  void aPathThatCannotBeAPathNamesItsVariable(String variable) {
    assertThatThrownBy(() -> config(variable, "/a\u0000b"))
        .isInstanceOfSatisfying(
            ConfigException.class, e -> assertThat(e.variable()).isEqualTo(variable))
        .hasMessage(variable + "=\"/a\\x00b\": expected a file path");
  }

  @Test
  void sudoIsUsedOnlyWhenNotRoot() {
    assertThat(AttestationConfig.fromEnv(new Env(Map.of()), true).privilegePrefix()).isEmpty();
    assertThat(AttestationConfig.fromEnv(new Env(Map.of()), false).privilegePrefix())
        .containsExactly("sudo", "-n");
  }
}
