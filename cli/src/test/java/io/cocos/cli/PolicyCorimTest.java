package io.cocos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.upokecenter.cbor.CBORObject;
import io.cocos.manager.attestation.corim.ReferenceValues;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * policy create-corim and verify-corim, with keys from `keys -k ecdsa`, read back by an independent
 * decoder.
 */
class PolicyCorimTest {
  private static final String DIGEST = "ab".repeat(48);
  private static final String HOST_DATA = "cd".repeat(32);

  @TempDir Path dir;

  @Test
  void aSignedSnpCorimDecodesVerifiesAndFailsOnceTamperedOrWithAnotherKey() throws Exception {
    CliRun cli = new CliRun(Map.of(), dir);
    assertThat(cli.run("keys", "-k", "ecdsa").code()).isZero();

    CliRun.Result created =
        cli.run(
            "policy",
            "create-corim",
            "snp",
            "--measurement",
            DIGEST,
            "--host-data",
            HOST_DATA,
            "--launch-tcb",
            "0xd500000000000003",
            "--signing-key",
            "private.pem",
            "--output",
            "snp.corim");
    assertThat(created.code()).as(created.toString()).isZero();
    assertThat(created.out()).startsWith("✅ Signed CoRIM for snp written to snp.corim (");

    byte[] file = Files.readAllBytes(dir.resolve("snp.corim"));
    CBORObject sign1 = CBORObject.DecodeFromBytes(file);
    assertThat(sign1.getMostOuterTag().ToInt32Checked()).isEqualTo(18);
    CBORObject corim = CBORObject.DecodeFromBytes(sign1.UntagOne().get(2).GetByteString());
    CBORObject comid = CBORObject.DecodeFromBytes(corim.get(1).get(0).UntagOne().GetByteString());
    CBORObject values = comid.get(4).get(0).get(0).get(1).get(0).get(1);
    assertThat(HexFormat.of().formatHex(values.get(2).get(0).get(1).GetByteString()))
        .isEqualTo(DIGEST);
    assertThat(values.get(1).UntagOne().AsEIntegerValue().toString())
        .isEqualTo("15348267530078650371");

    CliRun.Result verified = cli.run("policy", "verify-corim", "snp.corim", "--key", "public.pem");
    assertThat(verified.code()).as(verified.toString()).isZero();
    assertThat(verified.outLines())
        .contains(
            "  signed: COSE_Sign1, ES256, content type application/rim+cbor",
            "        sha-384: " + DIGEST,
            "        minimum svn: 15348267530078650371 (0xd500000000000003)",
            "        raw value: " + HOST_DATA,
            "✅ Signature verified with public.pem");
    assertThat(verified.outLines().get(0)).matches("CoRIM snp-corim-[0-9a-f-]{36}");

    CliRun.Result json =
        cli.run("policy", "verify-corim", "snp.corim", "--key", "public.pem", "--json");
    JsonObject o = JsonParser.parseString(json.out()).getAsJsonObject();
    assertThat(o.get("verified").getAsBoolean()).isTrue();
    JsonObject m =
        o.getAsJsonArray("comids")
            .get(0)
            .getAsJsonObject()
            .getAsJsonArray("reference_values")
            .get(0)
            .getAsJsonObject()
            .getAsJsonArray("measurements")
            .get(0)
            .getAsJsonObject();
    assertThat(m.getAsJsonArray("digests").get(0).getAsJsonObject().get("alg").getAsString())
        .isEqualTo("sha-384");
    assertThat(m.get("raw_value").getAsString()).isEqualTo(HOST_DATA);

    CliRun.Result unchecked = cli.run("policy", "verify-corim", "snp.corim");
    assertThat(unchecked.code()).isZero();
    assertThat(unchecked.outLines()).endsWith("signature not checked (give --key to verify it)");

    // one bit of the host data flipped in the payload
    String fileHex = HexFormat.of().formatHex(file);
    int at = fileHex.indexOf(HOST_DATA) / 2;
    file[at] ^= 1;
    Files.write(dir.resolve("tampered.corim"), file);
    CliRun.Result tampered =
        cli.run("policy", "verify-corim", "tampered.corim", "--key", "public.pem");
    assertThat(tampered.code()).isEqualTo(ExitCode.FAILURE);
    assertThat(tampered.errLines())
        .containsExactly("❌ the signature of tampered.corim does not verify with public.pem");

    Path other = Files.createDirectories(dir.resolve("other"));
    assertThat(new CliRun(Map.of(), other).run("keys", "-k", "ecdsa").code()).isZero();
    CliRun.Result wrongKey =
        cli.run("policy", "verify-corim", "snp.corim", "--key", "other/public.pem");
    assertThat(wrongKey.code()).isEqualTo(ExitCode.FAILURE);
    assertThat(wrongKey.errLines())
        .containsExactly("❌ the signature of snp.corim does not verify with other/public.pem");
  }

  @Test
  void anUnsignedTdxCorimTakesUpstreamsDefaults() throws Exception {
    CliRun cli = new CliRun(Map.of(), dir);
    CliRun.Result created =
        cli.run("policy", "create-corim", "tdx", "--svn", "2", "-o", "tdx.corim");
    assertThat(created.code()).as(created.toString()).isZero();
    CliRun.Result shown = cli.run("policy", "verify-corim", "tdx.corim");
    assertThat(shown.code()).isZero();
    assertThat(shown.outLines())
        .contains(
            "  unsigned",
            "        sha-384: " + ReferenceValues.Tdx.DEFAULT_MRTD,
            "        svn: 2 (0x2)",
            "        sha-384: " + ReferenceValues.Tdx.DEFAULT_MRSEAM);
    assertThat(shown.out()).doesNotContain("signature not checked");

    assertThat(cli.run("keys", "-k", "ecdsa").code()).isZero();
    CliRun.Result noSignature =
        cli.run("policy", "verify-corim", "tdx.corim", "--key", "public.pem");
    assertThat(noSignature.code()).isEqualTo(ExitCode.FAILURE);
    assertThat(noSignature.errLines())
        .containsExactly("❌ tdx.corim is not signed: there is no signature to verify with --key");
  }

  @Test
  void badInputIsOneLineAndWritesNothing() throws Exception {
    CliRun cli = new CliRun(Map.of(), dir);
    CliRun.Result notHex =
        cli.run("policy", "create-corim", "snp", "--measurement", "zz", "-o", "x.corim");
    assertThat(notHex.code()).isEqualTo(ExitCode.USAGE);
    assertThat(notHex.errLines()).containsExactly("❌ --measurement is not hex: zz");
    CliRun.Result shortDigest =
        cli.run("policy", "create-corim", "snp", "--measurement", "abcd", "-o", "x.corim");
    assertThat(shortDigest.errLines())
        .containsExactly("❌ the SEV-SNP launch digest is 48 bytes, not 2");
    CliRun.Result tcb =
        cli.run(
            "policy",
            "create-corim",
            "snp",
            "--measurement",
            DIGEST,
            "--launch-tcb",
            "-1",
            "-o",
            "x.corim");
    assertThat(tcb.errLines())
        .containsExactly("❌ --launch-tcb is not an unsigned 64-bit number: -1");
    assertThat(dir.resolve("x.corim")).doesNotExist();

    assertThat(cli.run("keys", "-k", "rsa").code()).isZero();
    CliRun.Result rsa =
        cli.run(
            "policy",
            "create-corim",
            "snp",
            "--measurement",
            DIGEST,
            "--signing-key",
            "private.pem",
            "-o",
            "x.corim");
    assertThat(rsa.code()).isEqualTo(ExitCode.LOCAL);
    assertThat(rsa.errLines())
        .containsExactly(
            "❌ cannot sign with --signing-key private.pem: the file holds an RSA "
                + "private key; a CoRIM is signed with an EC P-256 (ES256) or P-384 (ES384) key");
    assertThat(dir.resolve("x.corim")).doesNotExist();

    Files.write(dir.resolve("junk.corim"), new byte[] {(byte) 0x9f, 1});
    CliRun.Result junk = cli.run("policy", "verify-corim", "junk.corim");
    assertThat(junk.code()).isEqualTo(ExitCode.FAILURE);
    assertThat(junk.errLines())
        .containsExactly(
            "❌ junk.corim is not a CoRIM: indefinite-length item at offset 0 (only definite lengths are accepted)");
  }
}
