package io.cocos.cli.keys;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * Key pairs as upstream's `cocos-cli keys` writes them (cli/keys.go), as PEM:
 *
 * <ul>
 *   <li>rsa: 4096 bits; private key PKCS#8 in a "PRIVATE KEY" block. Upstream puts PKCS#1 bytes
 *       under that label, which OpenSSL and most libraries refuse; upstream's own readers try
 *       PKCS#8 first for that label, so PKCS#8 is what both sides can load.
 *   <li>ecdsa: P-256; private key SEC 1 ("EC PRIVATE KEY", with the curve and public point, as Go's
 *       x509.MarshalECPrivateKey writes it).
 *   <li>ed25519: private key PKCS#8 ("PRIVATE KEY").
 * </ul>
 *
 * The public key is always SubjectPublicKeyInfo in a "PUBLIC KEY" block
 * (x509.MarshalPKIXPublicKey).
 */
public final class KeyPairs {
  public static final int RSA_BITS = 4096;

  /** The two PEM texts of one generated pair. */
  public record PemPair(String privatePem, String publicPem) {}

  private KeyPairs() {}

  public static PemPair generate(KeyType type) throws GeneralSecurityException {
    return switch (type) {
      case RSA -> {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(new RSAKeyGenParameterSpec(RSA_BITS, RSAKeyGenParameterSpec.F4));
        KeyPair kp = g.generateKeyPair();
        yield new PemPair(
            pem("PRIVATE KEY", kp.getPrivate().getEncoded()),
            pem("PUBLIC KEY", kp.getPublic().getEncoded()));
      }
      case ECDSA -> {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair kp = g.generateKeyPair();
        byte[] spki = kp.getPublic().getEncoded();
        BigInteger d = ((ECPrivateKey) kp.getPrivate()).getS();
        DERBitString point =
            new DERBitString(SubjectPublicKeyInfo.getInstance(spki).getPublicKeyData().getOctets());
        byte[] sec1;
        try {
          sec1 =
              new org.bouncycastle.asn1.sec.ECPrivateKey(
                      256, d, point, X9ObjectIdentifiers.prime256v1)
                  .getEncoded("DER");
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        yield new PemPair(pem("EC PRIVATE KEY", sec1), pem("PUBLIC KEY", spki));
      }
      case ED25519 -> {
        KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        yield new PemPair(
            pem("PRIVATE KEY", kp.getPrivate().getEncoded()),
            pem("PUBLIC KEY", kp.getPublic().getEncoded()));
      }
    };
  }

  private static String pem(String type, byte[] der) {
    StringWriter out = new StringWriter();
    try (PemWriter w = new PemWriter(out)) {
      w.writeObject(new PemObject(type, der));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }
}
