package io.cocos.manager.attestation.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.upokecenter.cbor.CBORObject;
import io.cocos.manager.attestation.corim.CorimDocument;
import io.cocos.manager.attestation.corim.ReferenceValues;
import io.cocos.manager.attestation.corim.TestKeys;
import io.cocos.manager.core.config.ConfigException;
import io.cocos.manager.core.config.Env;
import io.cocos.manager.core.cvm.CvmRecord;
import io.cocos.manager.core.cvm.CvmState;
import io.cocos.manager.core.cvm.ManagerException;
import io.cocos.manager.core.vm.TeeKind;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AttestationPolicy with MANAGER_ATTESTATION_POLICY_FORMAT=corim: the CoRIM of an SEV-SNP CVM
 * carries the launch digest of the real IGVM fixture (measured natively, igvmmeasure absent), read
 * back with an independent CBOR decoder.
 */
class CorimPoliciesTest {
  /** igvm-vectors.tsv: igvmmeasure's digest of snp/igvm/test_bzImage_x64.igvm. */
  static final String FIXTURE_DIGEST =
      "37424f4929b505a76ec5cd8b91355646d22290ecb5a1042df24d79b924a05ad0b880455524744feb8768ee81c88fc8d9";

  private static final String TCB = "15352208179752599555";
  private static final String HOST_DATA = StandInTools.base64(32, 0x40);

  @TempDir Path dir;
  private final Map<String, String> env = new HashMap<>();
  private StandInTools tools;

  @BeforeEach
  void environment() throws Exception {
    tools = new StandInTools(dir);
    Path igvm = dir.resolve("test_bzImage_x64.igvm");
    try (InputStream in = getClass().getResourceAsStream("/snp/igvm/test_bzImage_x64.igvm")) {
      Files.copy(in, igvm);
    }
    env.put(
        "MANAGER_ATTESTATION_POLICY_BINARY",
        tools.policyTool(StandInTools.EXAMPLE_POLICY).toString());
    env.put("MANAGER_IGVMMEASURE_BINARY", dir.resolve("no-igvmmeasure").toString());
    env.put("MANAGER_QEMU_IGVM_FILE", igvm.toString());
    env.put("MANAGER_QEMU_ENABLE_HOST_DATA", "true");
    env.put("MANAGER_QEMU_HOST_DATA", HOST_DATA);
    env.put("MANAGER_ATTESTATION_POLICY_FORMAT", "corim");
  }

  private ToolAttestationPolicies policies() {
    Env e = new Env(env);
    return new ToolAttestationPolicies(
        AttestationConfig.fromEnv(e, true),
        CorimConfig.fromEnv(e),
        Clock.systemUTC(),
        Duration.ofSeconds(1));
  }

  private static CvmRecord cvm(TeeKind tee, String launchTcb) {
    return new CvmRecord(
        "cvm-1",
        CvmState.RUNNING,
        tee,
        7020,
        3,
        4242,
        Instant.EPOCH,
        Instant.EPOCH,
        null,
        null,
        null,
        launchTcb,
        0);
  }

  @Test
  void anSnpCvmsCorimCarriesTheIgvmFilesLaunchDigestHostDataAndLaunchTcb() throws Exception {
    tools.setPolicyOutput(
        "not JSON: the policy tool is not run at AttestationPolicy in corim mode");
    byte[] policy = policies().policy(cvm(TeeKind.SEV_SNP, TCB));

    CBORObject corim = CBORObject.DecodeFromBytes(policy);
    assertThat(corim.get(0).AsString()).startsWith("snp-corim-");
    CBORObject comid = CBORObject.DecodeFromBytes(corim.get(1).get(0).UntagOne().GetByteString());
    CBORObject triple = comid.get(4).get(0).get(0);
    // MANAGER_QEMU_CPU unset: the QEMU configuration's EPYC (uuid5(NAMESPACE_OID, "EPYC"))
    assertThat(HexFormat.of().formatHex(triple.get(0).get(1).UntagOne().GetByteString()))
        .isEqualTo("2c4762760d1c59f38d79693ec3752677");
    CBORObject values = triple.get(1).get(0).get(1);
    assertThat(values.get(2).get(0).get(0).AsInt32()).isEqualTo(7);
    assertThat(HexFormat.of().formatHex(values.get(2).get(0).get(1).GetByteString()))
        .isEqualTo(FIXTURE_DIGEST);
    assertThat(values.get(4).getMostOuterTag().ToInt32Checked()).isEqualTo(560);
    assertThat(values.get(4).UntagOne().GetByteString())
        .isEqualTo(Base64.getDecoder().decode(HOST_DATA));
    assertThat(values.get(1).getMostOuterTag().ToInt32Checked()).isEqualTo(553);
    assertThat(values.get(1).UntagOne().AsEIntegerValue().toString()).isEqualTo(TCB);
  }

  @Test
  void withASigningKeyTheCorimIsACoseSign1ThatVerifies() throws Exception {
    KeyPair pair = TestKeys.ec("secp384r1");
    env.put(
        "MANAGER_CORIM_SIGNING_KEY", TestKeys.sec1(dir.resolve("signing.pem"), pair).toString());
    env.put("MANAGER_QEMU_CPU", "EPYC-Milan");
    byte[] policy = policies().policy(cvm(TeeKind.SEV_SNP, null));

    assertThat(CBORObject.DecodeFromBytes(policy).getMostOuterTag().ToInt32Checked()).isEqualTo(18);
    CorimDocument doc = CorimDocument.parse(policy);
    assertThat(doc.verify(pair.getPublic())).isTrue();
    assertThat(doc.verify(TestKeys.ec("secp384r1").getPublic())).isFalse();
    CorimDocument.Measurement m =
        doc.comids().get(0).referenceValues().get(0).measurements().get(0);
    assertThat(HexFormat.of().formatHex(m.digests().get(0).value())).isEqualTo(FIXTURE_DIGEST);
    assertThat(m.svn())
        .contains(new CorimDocument.Svn(BigInteger.ZERO, true)); // no launch TCB remembered: 0
  }

  @Test
  void aSigningKeyOthersCanReadIsWarnedAbout() throws Exception {
    Path key = TestKeys.pkcs8(dir.resolve("signing.pem"), TestKeys.ec("secp256r1"));
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    env.put("MANAGER_CORIM_SIGNING_KEY", key.toString());
    assertThat(CorimConfig.fromEnv(new Env(env)).warnings())
        .containsExactly(
            "MANAGER_CORIM_SIGNING_KEY="
                + key
                + " can be read by others than its owner (rw-r--r--): a private key should be 0600");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    CorimConfig config = CorimConfig.fromEnv(new Env(env));
    assertThat(config.warnings()).isEmpty();
    assertThat(config.describe())
        .isEqualTo("corim, signed ES256 with the key of MANAGER_CORIM_SIGNING_KEY");
  }

  @Test
  void tdxTakesTheConfiguredRegistersAndUpstreamsDefaultsForTheRest() throws Exception {
    String mrtd = "11".repeat(48);
    env.put("MANAGER_CORIM_TDX_MRTD", mrtd);
    env.put("MANAGER_CORIM_TDX_RTMRS", "22".repeat(48) + ", " + "33".repeat(48));
    CorimDocument doc = CorimDocument.parse(policies().policy(cvm(TeeKind.TDX, null)));
    var measurements = doc.comids().get(0).referenceValues().get(0).measurements();
    assertThat(measurements)
        .extracting(m -> HexFormat.of().formatHex(m.digests().get(0).value()))
        .containsExactly(
            mrtd, ReferenceValues.Tdx.DEFAULT_MRSEAM, "22".repeat(48), "33".repeat(48));
    assertThat(doc.id()).startsWith("tdx-corim-");
  }

  @Test
  void aCvmWithoutSnpOrTdxHasNoPolicyAsWithJson() {
    assertThatThrownBy(() -> policies().policy(cvm(TeeKind.NONE, null)))
        .isInstanceOfSatisfying(
            ManagerException.class,
            e -> assertThat(e.reason()).isEqualTo(ManagerException.Reason.FAILED_PRECONDITION))
        .hasMessageContaining("runs without SEV-SNP or TDX");
  }

  @Test
  void badFormatsAndKeysStopStartUpNamingTheVariableButNotTheKey() throws Exception {
    assertThatThrownBy(
            () -> CorimConfig.fromEnv(new Env(Map.of("MANAGER_ATTESTATION_POLICY_FORMAT", "cbor"))))
        .isInstanceOf(ConfigException.class)
        .hasMessage("MANAGER_ATTESTATION_POLICY_FORMAT=\"cbor\": expected one of json, corim");
    assertThat(CorimConfig.fromEnv(new Env(Map.of())).format())
        .isEqualTo(CorimConfig.PolicyFormat.JSON);
    assertThat(
            CorimConfig.fromEnv(new Env(Map.of("MANAGER_ATTESTATION_POLICY_FORMAT", "CoRIM")))
                .format())
        .isEqualTo(CorimConfig.PolicyFormat.CORIM);

    KeyPair ec = TestKeys.ec("secp256r1");
    Map<String, String> cases =
        Map.of(
            dir.resolve("missing.pem").toString(), "the file does not exist",
            TestKeys.publicKey(dir.resolve("pub.pem"), ec).toString(),
                "the file holds a public key, not a private key",
            TestKeys.pkcs8(dir.resolve("rsa.pem"), TestKeys.of("RSA", 2048)).toString(),
                "the file holds an RSA private key",
            TestKeys.pkcs8(dir.resolve("ed.pem"), TestKeys.of("Ed25519", 0)).toString(),
                "the file holds an EdDSA private key");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      assertThatThrownBy(
              () ->
                  CorimConfig.fromEnv(
                      new Env(
                          Map.of(
                              "MANAGER_ATTESTATION_POLICY_FORMAT",
                              "corim",
                              "MANAGER_CORIM_SIGNING_KEY",
                              c.getKey()))))
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith(
              "MANAGER_CORIM_SIGNING_KEY=\"" + c.getKey() + "\": expected a PEM EC P-256 or P-384")
          .hasMessageContaining(c.getValue())
          .satisfies(
              e ->
                  assertThat(e.getMessage())
                      .doesNotContain("\n")
                      .doesNotContain(
                          Files.readString(
                                  Path.of(c.getKey()).toFile().exists()
                                      ? Path.of(c.getKey())
                                      : dir.resolve("pub.pem"))
                              .lines()
                              .skip(1)
                              .findFirst()
                              .orElseThrow()));
    }
    // json mode does not look at the key
    assertThat(
            CorimConfig.fromEnv(
                    new Env(
                        Map.of("MANAGER_CORIM_SIGNING_KEY", dir.resolve("missing.pem").toString())))
                .signer())
        .isEmpty();

    assertThatThrownBy(
            () ->
                CorimConfig.fromEnv(
                    new Env(
                        Map.of(
                            "MANAGER_ATTESTATION_POLICY_FORMAT",
                            "corim",
                            "MANAGER_CORIM_TDX_MRSEAM",
                            "abcd"))))
        .hasMessage("MANAGER_CORIM_TDX_MRSEAM=\"abcd\": expected 48 bytes in hex (96 hex digits)");
    assertThatThrownBy(
            () ->
                CorimConfig.fromEnv(
                    new Env(
                        Map.of(
                            "MANAGER_ATTESTATION_POLICY_FORMAT",
                            "corim",
                            "MANAGER_CORIM_TDX_RTMRS",
                            String.join(",", Collections.nCopies(5, "00".repeat(48)))))))
        .hasMessageContaining("MANAGER_CORIM_TDX_RTMRS=")
        .hasMessageEndingWith("expected 1 to 4 comma-separated RTMRs, each 48 bytes in hex");
  }
}
