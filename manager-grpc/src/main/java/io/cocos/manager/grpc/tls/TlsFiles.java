package io.cocos.manager.grpc.tls;

import io.cocos.manager.core.config.ConfigException;
import io.cocos.manager.core.config.Env;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * TLS files named by environment variables, read and checked at start-up: a path that is a
 * directory or unreadable, a file that is not PEM, a CA bundle without certificates, a key that
 * does not match its certificate: each stops the manager with one {@link ConfigException} naming
 * the variable, the file and what is wrong, before anything else starts. (Netty's own checks come
 * later and less clearly: a mismatched server key is only noticed at the first handshake.) Never
 * quotes a key file's content.
 */
public final class TlsFiles {
  private static final long MAX_FILE_BYTES = 1 << 20;

  private TlsFiles() {}

  /** A certificate with the private key that goes with it, both checked. */
  public record Identity(Path certFile, Path keyFile) {}

  /**
   * The identity named by a certificate and a key variable: both unset gives empty; one without the
   * other, a file that does not parse or a key that is not the certificate's is refused.
   */
  public static Optional<Identity> identity(Env env, String certVariable, String keyVariable) {
    Optional<Path> cert = file(env, certVariable);
    Optional<Path> key = file(env, keyVariable);
    if (cert.isPresent() != key.isPresent()) {
      String missing = cert.isPresent() ? keyVariable : certVariable;
      throw new ConfigException(
          missing, "", "a PEM file: " + certVariable + " and " + keyVariable + " go together");
    }
    if (cert.isEmpty()) {
      return Optional.empty();
    }
    List<X509Certificate> chain = certificates(certVariable, cert.get());
    PrivateKey privateKey = privateKey(keyVariable, key.get());
    if (!matches(privateKey, chain.get(0).getPublicKey())) {
      throw new ConfigException(
          keyVariable,
          key.get().toString(),
          "the private key of the first certificate in "
              + certVariable
              + " ("
              + cert.get()
              + "); this key is another's");
    }
    return Optional.of(new Identity(cert.get(), key.get()));
  }

  /** A CA bundle: a file holding one or more PEM certificates and nothing else. */
  public static Optional<Path> caBundle(Env env, String variable) {
    Optional<Path> file = file(env, variable);
    file.ifPresent(f -> certificates(variable, f));
    return file;
  }

  /** The variable's path, when set: a regular, readable file of sane size. */
  static Optional<Path> file(Env env, String variable) {
    Optional<Path> path = env.path(variable);
    if (path.isEmpty()) {
      return path;
    }
    Path p = path.get();
    String problem = null;
    if (!Files.exists(p)) {
      problem = "it does not exist";
    } else if (Files.isDirectory(p)) {
      problem = "it is a directory";
    } else if (!Files.isRegularFile(p)) {
      problem = "it is not a regular file";
    } else if (!Files.isReadable(p)) {
      problem = "it cannot be read";
    } else {
      try {
        if (Files.size(p) > MAX_FILE_BYTES) {
          problem = "it is larger than 1 MiB";
        }
      } catch (IOException e) {
        problem = "it cannot be read";
      }
    }
    if (problem != null) {
      throw new ConfigException(variable, p.toString(), "a readable PEM file (" + problem + ")");
    }
    return path;
  }

  static List<X509Certificate> certificates(String variable, Path file) {
    List<X509Certificate> certs = new ArrayList<>();
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
        PEMParser pem = new PEMParser(in)) {
      Object o;
      while ((o = pem.readObject()) != null) {
        if (!(o instanceof X509CertificateHolder holder)) {
          throw new ConfigException(
              variable,
              file.toString(),
              "a file of PEM certificates only (it holds another PEM block)");
        }
        certs.add(converter.getCertificate(holder));
      }
    } catch (IOException | CertificateException | RuntimeException e) {
      if (e instanceof ConfigException c) {
        throw c;
      }
      throw new ConfigException(
          variable, file.toString(), "a file of PEM certificates (it does not parse as PEM)");
    }
    if (certs.isEmpty()) {
      throw new ConfigException(
          variable, file.toString(), "a file of PEM certificates (it holds none)");
    }
    return certs;
  }

  static PrivateKey privateKey(String variable, Path file) {
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    PrivateKey key = null;
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
        PEMParser pem = new PEMParser(in)) {
      Object o;
      while ((o = pem.readObject()) != null) {
        PrivateKey found;
        if (o instanceof PEMKeyPair pair) {
          found = converter.getPrivateKey(pair.getPrivateKeyInfo());
        } else if (o instanceof PrivateKeyInfo info) {
          found = converter.getPrivateKey(info);
        } else {
          continue; // parameters (EC PARAMETERS) may precede a key
        }
        if (key != null) {
          throw new ConfigException(
              variable, file.toString(), "one PEM private key (it holds several)");
        }
        key = found;
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof ConfigException c) {
        throw c;
      }
      // never the content: this is a secret
      throw new ConfigException(
          variable, file.toString(), "an unencrypted PEM private key (it does not parse as one)");
    }
    if (key == null) {
      throw new ConfigException(
          variable, file.toString(), "an unencrypted PEM private key (it holds none)");
    }
    return key;
  }

  /** Signs a probe with the key and verifies it with the certificate's public key. */
  static boolean matches(PrivateKey key, PublicKey certificateKey) {
    if (!key.getAlgorithm().equals(certificateKey.getAlgorithm())
        && !(key.getAlgorithm().startsWith("EC")
            && certificateKey.getAlgorithm().startsWith("EC"))) {
      return false;
    }
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC", "ECDSA" -> "SHA256withECDSA";
          case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
          default -> null;
        };
    if (algorithm == null) {
      return true; // an algorithm the JDK cannot sign with here: left to the handshake
    }
    try {
      byte[] probe = "cocos-manager key check".getBytes(StandardCharsets.US_ASCII);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificateKey);
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
