package io.cocos.manager.core.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates made by the tests themselves: a CA and leaf certificates it signs, as PEM. Every TLS
 * test uses real certificates from here, never checked-in ones.
 */
public final class TestPki {
  private final String caName;
  private final KeyPair caKeys;
  private final X509CertificateHolder caCert;

  /** One issued identity: a certificate and its private key (PKCS#8 PEM). */
  public record Identity(String certPem, String keyPem) {
    public byte[] certBytes() {
      return certPem.getBytes(StandardCharsets.US_ASCII);
    }

    public byte[] keyBytes() {
      return keyPem.getBytes(StandardCharsets.US_ASCII);
    }

    /** Writes cert.pem and key.pem (0600) into dir; returns dir. */
    public Path writeTo(Path dir, String baseName) throws IOException {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(baseName + ".crt"), certPem);
      Path key = dir.resolve(baseName + ".key");
      Files.writeString(key, keyPem);
      Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
      return dir;
    }
  }

  public TestPki(String caName) {
    try {
      this.caName = caName;
      this.caKeys = ecKeys();
      var builder =
          new JcaX509v3CertificateBuilder(
              new X500Name("CN=" + caName),
              serial(),
              notBefore(),
              notAfter(),
              new X500Name("CN=" + caName),
              caKeys.getPublic());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      this.caCert =
          builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate()));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public String caPem() {
    return pem(caCert);
  }

  public byte[] caBytes() {
    return caPem().getBytes(StandardCharsets.US_ASCII);
  }

  public Path writeCa(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, caPem());
    return file;
  }

  /** A certificate for a server on localhost / 127.0.0.1, or a client (the name is the CN). */
  public Identity issue(String commonName) {
    try {
      KeyPair keys = ecKeys();
      var builder =
          new JcaX509v3CertificateBuilder(
              new X500Name("CN=" + caName),
              serial(),
              notBefore(),
              notAfter(),
              new X500Name("CN=" + commonName),
              keys.getPublic());
      builder.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(
              new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1")
              }));
      X509CertificateHolder cert =
          builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate()));
      return new Identity(
          pem(cert),
          pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(keys.getPrivate(), null)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair ecKeys() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static String pem(Object o) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(
          o instanceof org.bouncycastle.util.io.pem.PemObjectGenerator g ? g.generate() : o);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toString();
  }

  private static BigInteger serial() {
    return BigInteger.valueOf(System.nanoTime());
  }

  private static Date notBefore() {
    return Date.from(Instant.now().minus(1, ChronoUnit.HOURS));
  }

  private static Date notAfter() {
    return Date.from(Instant.now().plus(1, ChronoUnit.DAYS));
  }
}
