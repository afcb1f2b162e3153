package io.cocos.manager.attestation.corim;

import static io.cocos.manager.attestation.corim.Cbor.array;
import static io.cocos.manager.attestation.corim.Cbor.bytes;
import static io.cocos.manager.attestation.corim.Cbor.entry;
import static io.cocos.manager.attestation.corim.Cbor.integer;
import static io.cocos.manager.attestation.corim.Cbor.map;
import static io.cocos.manager.attestation.corim.Cbor.tagged;
import static io.cocos.manager.attestation.corim.Cbor.text;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;

/**
 * Signs a CoRIM as a COSE_Sign1 (RFC 9052, tag 18): protected header {@code {1: alg, 3:
 * "application/rim+cbor"}}, no unprotected header, the unsigned CoRIM as payload, and the ECDSA
 * signature (r || s) of the Sig_structure {@code ["Signature1", protected, h'', payload]}. The key
 * is an EC P-256 (ES256) or P-384 (ES384) private key, from PEM in PKCS#8 or SEC1 form.
 */
public final class CorimSigner {
  static final long TAG_COSE_SIGN1 = 18;
  static final int HEADER_ALG = 1;
  static final int HEADER_CONTENT_TYPE = 3;
  public static final String CONTENT_TYPE = "application/rim+cbor";

  private final ECPrivateKey key;
  private final CoseAlgorithm algorithm;

  private CorimSigner(ECPrivateKey key, CoseAlgorithm algorithm) {
    this.key = key;
    this.algorithm = algorithm;
  }

  public static CorimSigner of(PrivateKey key) throws SigningKeyException {
    if (!(key instanceof ECPrivateKey ec)) {
      throw new SigningKeyException(
          "holds an "
              + key.getAlgorithm()
              + " private key; a CoRIM is signed with an EC "
              + "P-256 (ES256) or P-384 (ES384) key");
    }
    CoseAlgorithm algorithm =
        CoseAlgorithm.forKey(ec)
            .orElseThrow(
                () ->
                    new SigningKeyException(
                        "holds an EC key on a "
                            + ec.getParams().getCurve().getField().getFieldSize()
                            + "-bit curve; a CoRIM is signed "
                            + "with an EC P-256 (ES256) or P-384 (ES384) key"));
    return new CorimSigner(ec, algorithm);
  }

  /**
   * Reads a PEM private key. Messages say what the file holds, never its content.
   *
   * @throws SigningKeyException the file is missing or unreadable, or is not an EC P-256/P-384
   *     private key (a public key, a certificate, RSA, Ed25519...)
   */
  public static CorimSigner load(Path pem) throws SigningKeyException {
    Object object;
    try (Reader reader = Files.newBufferedReader(pem, StandardCharsets.US_ASCII);
        PEMParser parser = new PEMParser(reader)) {
      object = parser.readObject();
    } catch (NoSuchFileException e) {
      throw new SigningKeyException("does not exist");
    } catch (IOException | RuntimeException e) {
      // BouncyCastle's messages describe the structure, not the key material; kept out all the
      // same.
      throw new SigningKeyException("cannot be read as PEM (" + e.getClass().getSimpleName() + ")");
    }
    try {
      PrivateKeyInfo info;
      if (object == null) {
        throw new SigningKeyException("holds no PEM object");
      } else if (object instanceof PEMKeyPair pair) {
        info = pair.getPrivateKeyInfo(); // SEC1 "EC PRIVATE KEY" (or PKCS#1 "RSA PRIVATE KEY")
      } else if (object instanceof PrivateKeyInfo pkcs8) {
        info = pkcs8; // PKCS#8 "PRIVATE KEY"
      } else if (object instanceof SubjectPublicKeyInfo) {
        throw new SigningKeyException("holds a public key, not a private key");
      } else if (object instanceof X509CertificateHolder) {
        throw new SigningKeyException("holds a certificate, not a private key");
      } else {
        throw new SigningKeyException(
            "holds a "
                + object.getClass().getSimpleName()
                + ", not an unencrypted PKCS#8 or SEC1 private key");
      }
      return of(jdkKey(info));
    } catch (IOException | GeneralSecurityException e) {
      throw new SigningKeyException(
          "holds a private key this platform cannot use (" + e.getClass().getSimpleName() + ")");
    }
  }

  /**
   * The JDK's own key object (BouncyCastle's converter would ask the JDK for "ECDSA" keys, which it
   * lacks).
   */
  private static PrivateKey jdkKey(PrivateKeyInfo info)
      throws IOException, GeneralSecurityException, SigningKeyException {
    ASN1ObjectIdentifier oid = info.getPrivateKeyAlgorithm().getAlgorithm();
    String algorithm;
    if (oid.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
      algorithm = "EC";
    } else if (oid.equals(PKCSObjectIdentifiers.rsaEncryption)) {
      algorithm = "RSA";
    } else if (oid.equals(EdECObjectIdentifiers.id_Ed25519)
        || oid.equals(EdECObjectIdentifiers.id_Ed448)) {
      algorithm = "EdDSA";
    } else {
      throw new SigningKeyException(
          "holds a private key of algorithm "
              + oid
              + "; a CoRIM is signed with an EC "
              + "P-256 (ES256) or P-384 (ES384) key");
    }
    return KeyFactory.getInstance(algorithm)
        .generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
  }

  public CoseAlgorithm algorithm() {
    return algorithm;
  }

  /** The COSE_Sign1 of an encoded unsigned CoRIM. */
  public byte[] sign(byte[] unsignedCorim) {
    Objects.requireNonNull(unsignedCorim);
    byte[] protectedHeader =
        CborCodec.encode(
            map(
                entry(HEADER_ALG, integer(algorithm.id)),
                entry(HEADER_CONTENT_TYPE, text(CONTENT_TYPE))));
    byte[] signature;
    try {
      Signature signer = Signature.getInstance(algorithm.jcaName);
      signer.initSign(key);
      signer.update(sigStructure(protectedHeader, unsignedCorim));
      signature = signer.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with " + algorithm + ": " + e.getMessage(), e);
    }
    return CborCodec.encode(
        tagged(
            TAG_COSE_SIGN1,
            array(bytes(protectedHeader), map(), bytes(unsignedCorim), bytes(signature))));
  }

  /** What COSE_Sign1 signs (RFC 9052 §4.4), with no external data. */
  static byte[] sigStructure(byte[] protectedHeader, byte[] payload) {
    return CborCodec.encode(
        array(text("Signature1"), bytes(protectedHeader), bytes(new byte[0]), bytes(payload)));
  }

  /** A signing key that cannot be used; the message completes "the key file ...". */
  public static final class SigningKeyException extends Exception {
    public SigningKeyException(String message) {
      super(message, null, false, false);
    }
  }
}
