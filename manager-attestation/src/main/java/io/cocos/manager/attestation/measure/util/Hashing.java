package io.cocos.manager.attestation.measure.util;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** MessageDigest factories for the algorithms every Java platform must provide. */
public final class Hashing {
  private Hashing() {}

  public static MessageDigest sha384() {
    return get("SHA-384");
  }

  public static MessageDigest sha256() {
    return get("SHA-256");
  }

  private static MessageDigest get(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      // Every Java SE platform is required to support SHA-256 and SHA-384.
      throw new IllegalStateException(algorithm + " is not available in this JVM", e);
    }
  }
}
