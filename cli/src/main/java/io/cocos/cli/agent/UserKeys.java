package io.cocos.cli.agent;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;

/**
 * A user's private key, read as upstream's cli decodeKey reads it, and the signature of a role that
 * upstream's agent checks (agent/auth): RSA PKCS#1 v1.5 over SHA-256, ECDSA ASN.1 over SHA-256,
 * Ed25519 over the role itself.
 */
public final class UserKeys {
  /** Upstream's message for a file that is no private key it reads. */
  public static final String NOT_A_KEY = "error decoding key";

  private static final BouncyCastleProvider BC = new BouncyCastleProvider();

  private UserKeys() {}

  /**
   * The first PEM block of the file: "PRIVATE KEY" as PKCS#8, or failing that PKCS#1 (what
   * upstream's keys command writes for RSA); "EC PRIVATE KEY" as SEC 1. Nothing else.
   *
   * @throws GeneralSecurityException with upstream's "error decoding key" or the parser's reason
   */
  public static PrivateKey decode(byte[] pem) throws GeneralSecurityException {
    PemObject block;
    try (PemReader reader =
        new PemReader(new StringReader(new String(pem, StandardCharsets.ISO_8859_1)))) {
      block = reader.readPemObject();
    } catch (IOException | RuntimeException e) {
      throw new GeneralSecurityException(NOT_A_KEY);
    }
    if (block == null) {
      throw new GeneralSecurityException(NOT_A_KEY);
    }
    PrivateKeyInfo info =
        switch (block.getType()) {
          case "PRIVATE KEY" -> pkcs8OrPkcs1(block.getContent());
          case "EC PRIVATE KEY" -> sec1(block.getContent());
          default -> throw new GeneralSecurityException(NOT_A_KEY);
        };
    try {
      return new JcaPEMKeyConverter().setProvider(BC).getPrivateKey(info);
    } catch (IOException e) {
      throw new GeneralSecurityException(e.getMessage(), e);
    }
  }

  private static PrivateKeyInfo pkcs8OrPkcs1(byte[] der) throws GeneralSecurityException {
    try {
      return PrivateKeyInfo.getInstance(ASN1Primitive.fromByteArray(der));
    } catch (IOException | RuntimeException pkcs8) {
      try {
        org.bouncycastle.asn1.pkcs.RSAPrivateKey rsa =
            org.bouncycastle.asn1.pkcs.RSAPrivateKey.getInstance(ASN1Primitive.fromByteArray(der));
        return new PrivateKeyInfo(
            new AlgorithmIdentifier(
                PKCSObjectIdentifiers.rsaEncryption, org.bouncycastle.asn1.DERNull.INSTANCE),
            rsa);
      } catch (IOException | RuntimeException pkcs1) {
        throw new GeneralSecurityException(
            "x509: failed to parse private key (neither PKCS#8 nor PKCS#1)");
      }
    }
  }

  private static PrivateKeyInfo sec1(byte[] der) throws GeneralSecurityException {
    try {
      org.bouncycastle.asn1.sec.ECPrivateKey ec =
          org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(ASN1Primitive.fromByteArray(der));
      if (ec.getParametersObject() == null) {
        throw new GeneralSecurityException("x509: EC private key names no curve");
      }
      return new PrivateKeyInfo(
          new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, ec.getParametersObject()),
          ec);
    } catch (IOException | RuntimeException e) {
      throw new GeneralSecurityException("x509: failed to parse EC private key");
    }
  }

  /** The "signature" metadata value: the role signed with the key, standard base64. */
  public static String signRole(PrivateKey key, String role) throws GeneralSecurityException {
    Signature signature = Signature.getInstance(algorithm(key), BC);
    signature.initSign(key);
    signature.update(role.getBytes(StandardCharsets.UTF_8));
    return Base64.getEncoder().encodeToString(signature.sign());
  }

  /** The JCA algorithm matching upstream's signData for the key's kind. */
  public static String algorithm(Key key) throws GeneralSecurityException {
    if (key instanceof RSAPrivateKey || key instanceof RSAPublicKey) {
      return "SHA256withRSA";
    }
    if (key instanceof ECPrivateKey || key instanceof ECPublicKey) {
      return "SHA256withECDSA";
    }
    String name = key.getAlgorithm();
    if (name.equals("Ed25519") || name.equals("EdDSA")) {
      return "Ed25519";
    }
    throw new GeneralSecurityException("unsupported key type");
  }
}
