package io.cocos.manager.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cocos.manager.core.testing.ManagerEnvironments;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real manager process refuses a CoRIM configuration it cannot use: exit 2, one line, no key
 * material.
 */
class CorimStartupIT {
  @TempDir Path tmp;

  private ManagerProcess startWith(Map<String, String> extra) throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    env.putAll(extra);
    ManagerProcess bad = ManagerProcess.start(env);
    try {
      assertThat(bad.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      bad.process.destroyForcibly();
    }
    await().until(() -> !bad.stderr.isEmpty());
    return bad;
  }

  @Test
  void anRsaSigningKeyStopsStartUpWithoutShowingTheKey() throws Exception {
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    String body =
        Base64.getMimeEncoder(64, "\n".getBytes())
            .encodeToString(rsa.generateKeyPair().getPrivate().getEncoded());
    Path key =
        Files.writeString(
            tmp.resolve("rsa.pem"),
            "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n");

    ManagerProcess bad =
        startWith(
            Map.of(
                "MANAGER_ATTESTATION_POLICY_FORMAT",
                "corim",
                "MANAGER_CORIM_SIGNING_KEY",
                key.toString()));
    assertThat(bad.process.exitValue()).isEqualTo(2);
    assertThat(bad.stderr)
        .containsExactly(
            "cocos-manager: configuration error: MANAGER_CORIM_SIGNING_KEY=\""
                + key
                + "\": expected a PEM EC P-256 or P-384 private key (PKCS#8 or SEC1), but the file holds an RSA private key; "
                + "a CoRIM is signed with an EC P-256 (ES256) or P-384 (ES384) key");
    String everything = String.join("\n", bad.stdout) + String.join("\n", bad.stderr);
    assertThat(everything).doesNotContain(body.lines().skip(2).findFirst().orElseThrow());
  }

  @Test
  void anUnknownFormatStopsStartUp() throws Exception {
    ManagerProcess bad = startWith(Map.of("MANAGER_ATTESTATION_POLICY_FORMAT", "cbor"));
    assertThat(bad.process.exitValue()).isEqualTo(2);
    assertThat(bad.stderr)
        .containsExactly(
            "cocos-manager: configuration error: MANAGER_ATTESTATION_POLICY_FORMAT=\"cbor\": expected one of json, corim");
  }
}
