package io.cocos.manager.attestation.corim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.upokecenter.cbor.CBORObject;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** COSE_Sign1 of a CoRIM, checked with an independent CBOR decoder and the JDK's ECDSA. */
class CorimSignerTest {
  @TempDir Path dir;

  private static byte[] unsignedCorim() {
    return new CorimEncoder()
        .encode(
            new ReferenceValues.Snp(
                CorimEncoderTest.DIGEST,
                Optional.of(CorimEncoderTest.HOST_DATA),
                BigInteger.TEN,
                Optional.of("Milan")));
  }

  /** Verifies a COSE_Sign1 from its parts as an independent decoder sees them. */
  private static boolean independentlyVerified(byte[] signed, PublicKey key, String jcaAlgorithm)
      throws Exception {
    CBORObject sign1 = CBORObject.DecodeFromBytes(signed);
    byte[] sigStructure =
        CBORObject.NewArray()
            .Add("Signature1")
            .Add(sign1.UntagOne().get(0))
            .Add(CBORObject.FromObject(new byte[0]))
            .Add(sign1.UntagOne().get(2))
            .EncodeToBytes();
    Signature verifier = Signature.getInstance(jcaAlgorithm);
    verifier.initVerify(key);
    verifier.update(sigStructure);
    return verifier.verify(sign1.UntagOne().get(3).GetByteString());
  }

  @Test
  void p256SignsAsEs256WithTheRimContentTypeOverTheUnsignedCorim() throws Exception {
    KeyPair pair = TestKeys.ec("secp256r1");
    byte[] payload = unsignedCorim();
    byte[] signed = CorimSigner.load(TestKeys.pkcs8(dir.resolve("k.pem"), pair)).sign(payload);

    CBORObject sign1 = CBORObject.DecodeFromBytes(signed);
    assertThat(sign1.getMostOuterTag().ToInt32Checked()).isEqualTo(18);
    CBORObject parts = sign1.UntagOne();
    assertThat(parts.size()).isEqualTo(4);
    CBORObject header = CBORObject.DecodeFromBytes(parts.get(0).GetByteString());
    assertThat(header.size()).isEqualTo(2);
    assertThat(header.get(1).AsInt32()).isEqualTo(-7);
    assertThat(header.get(3).AsString()).isEqualTo("application/rim+cbor");
    assertThat(parts.get(0).GetByteString())
        .isEqualTo(
            CBORObject.NewOrderedMap().Add(1, -7).Add(3, "application/rim+cbor").EncodeToBytes());
    assertThat(parts.get(1).size()).isZero();
    assertThat(parts.get(2).GetByteString()).isEqualTo(payload);
    assertThat(parts.get(3).GetByteString()).hasSize(64);
    assertThat(independentlyVerified(signed, pair.getPublic(), "SHA256withECDSAinP1363Format"))
        .isTrue();

    CorimDocument doc = CorimDocument.parse(signed);
    assertThat(doc.signed()).isTrue();
    assertThat(doc.verify(pair.getPublic())).isTrue();
    assertThat(
            doc.comids()
                .get(0)
                .referenceValues()
                .get(0)
                .measurements()
                .get(0)
                .digests()
                .get(0)
                .value())
        .isEqualTo(CorimEncoderTest.DIGEST);
  }

  @Test
  void p384SignsAsEs384AndASec1KeyWorksToo() throws Exception {
    KeyPair pair = TestKeys.ec("secp384r1");
    CorimSigner signer = CorimSigner.load(TestKeys.sec1(dir.resolve("k.pem"), pair));
    assertThat(signer.algorithm()).isEqualTo(CoseAlgorithm.ES384);
    byte[] signed = signer.sign(unsignedCorim());
    CBORObject parts = CBORObject.DecodeFromBytes(signed).UntagOne();
    assertThat(CBORObject.DecodeFromBytes(parts.get(0).GetByteString()).get(1).AsInt32())
        .isEqualTo(-35);
    assertThat(parts.get(3).GetByteString()).hasSize(96);
    assertThat(independentlyVerified(signed, pair.getPublic(), "SHA384withECDSAinP1363Format"))
        .isTrue();
    assertThat(CorimDocument.parse(signed).verify(pair.getPublic())).isTrue();
  }

  @Test
  void aTamperedPayloadOrHeaderOrAnotherKeyFailsVerification() throws Exception {
    KeyPair pair = TestKeys.ec("secp256r1");
    byte[] signed = CorimSigner.of(pair.getPrivate()).sign(unsignedCorim());

    CBORObject parts = CBORObject.DecodeFromBytes(signed).UntagOne();
    byte[] payload = parts.get(2).GetByteString();
    payload[payload.length - 1] ^= 1; // the last byte of the host data
    byte[] tampered =
        CBORObject.FromObjectAndTag(
                CBORObject.NewArray()
                    .Add(parts.get(0))
                    .Add(parts.get(1))
                    .Add(CBORObject.FromObject(payload))
                    .Add(parts.get(3)),
                18)
            .EncodeToBytes();
    assertThat(CorimDocument.parse(tampered).verify(pair.getPublic())).isFalse();
    assertThat(independentlyVerified(tampered, pair.getPublic(), "SHA256withECDSAinP1363Format"))
        .isFalse();

    byte[] otherHeader =
        CBORObject.NewOrderedMap().Add(1, -7).Add(3, "application/json").EncodeToBytes();
    byte[] retitled =
        CBORObject.FromObjectAndTag(
                CBORObject.NewArray()
                    .Add(CBORObject.FromObject(otherHeader))
                    .Add(parts.get(1))
                    .Add(parts.get(2))
                    .Add(parts.get(3)),
                18)
            .EncodeToBytes();
    assertThat(CorimDocument.parse(retitled).verify(pair.getPublic())).isFalse();

    assertThat(CorimDocument.parse(signed).verify(TestKeys.ec("secp256r1").getPublic())).isFalse();
    assertThat(CorimDocument.parse(signed).verify(TestKeys.ec("secp384r1").getPublic())).isFalse();
    assertThat(CorimDocument.parse(signed).verify(TestKeys.of("RSA", 2048).getPublic())).isFalse();
    assertThat(CorimDocument.parse(signed).verify(pair.getPublic())).isTrue();
  }

  @Test
  void keysThatCannotSignACorimAreRefusedWithoutQuotingThem() throws Exception {
    KeyPair ec = TestKeys.ec("secp256r1");
    assertThatThrownBy(() -> CorimSigner.load(dir.resolve("missing.pem")))
        .hasMessage("does not exist");
    assertThatThrownBy(() -> CorimSigner.load(TestKeys.publicKey(dir.resolve("pub.pem"), ec)))
        .hasMessage("holds a public key, not a private key");
    assertThatThrownBy(
            () ->
                CorimSigner.load(TestKeys.pkcs8(dir.resolve("rsa.pem"), TestKeys.of("RSA", 2048))))
        .hasMessageStartingWith(
            "holds an RSA private key; a CoRIM is signed with an EC P-256 (ES256) or P-384 (ES384) key");
    assertThatThrownBy(
            () ->
                CorimSigner.load(TestKeys.pkcs8(dir.resolve("ed.pem"), TestKeys.of("Ed25519", 0))))
        .hasMessageStartingWith("holds an EdDSA private key; a CoRIM is signed with an EC P-256");
    assertThatThrownBy(
            () ->
                CorimSigner.load(TestKeys.pkcs8(dir.resolve("p521.pem"), TestKeys.ec("secp521r1"))))
        .hasMessageStartingWith("holds an EC key on a 521-bit curve");
    Path garbage =
        Files.writeString(
            dir.resolve("garbage.pem"),
            "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n");
    assertThatThrownBy(() -> CorimSigner.load(garbage))
        .message()
        .doesNotContain("c2VjcmV0")
        .doesNotContain("secret");
    Path rsaPkcs1 =
        TestKeys.sec1(dir.resolve("rsa1.pem"), TestKeys.of("RSA", 2048)); // "RSA PRIVATE KEY"
    assertThatThrownBy(() -> CorimSigner.load(rsaPkcs1))
        .hasMessageStartingWith("holds an RSA private key;");
    Path empty = Files.writeString(dir.resolve("empty.pem"), "");
    assertThatThrownBy(() -> CorimSigner.load(empty)).hasMessage("holds no PEM object");
  }
}
