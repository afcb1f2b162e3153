package io.cocos.testcvms;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Upstream's internal.ChecksumHex for a file: SHA3-256 of its bytes, lower-case hex. */
public final class Checksums {
  private Checksums() {}

  public static byte[] sha3(Path file) throws IOException {
    if (Files.isDirectory(file)) {
      // upstream hashes a zip it makes of the directory; that zip's bytes are Go's alone
      throw new IOException(file + " is a directory; give the file (or a zip of the directory)");
    }
    MessageDigest digest = newDigest();
    byte[] buf = new byte[64 * 1024];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        digest.update(buf, 0, n);
      }
    }
    return digest.digest();
  }

  public static byte[] sha3(byte[] data) {
    return newDigest().digest(data);
  }

  public static String sha3Hex(Path file) throws IOException {
    return HexFormat.of().formatHex(sha3(file));
  }

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA3-256"); // in every JDK since 9
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
