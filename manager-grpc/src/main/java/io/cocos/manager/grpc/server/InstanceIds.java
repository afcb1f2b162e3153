package io.cocos.manager.grpc.server;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * A random instance id: a version 4 UUID from 16 bytes of /dev/urandom, the source the JDK's
 * SecureRandom reads too. UUID.randomUUID() would first set up SecureRandom itself (the security
 * providers and their configuration), ≈ 15 ms of a start-up that needs randomness nowhere else.
 */
final class InstanceIds {
  private InstanceIds() {}

  static String random() {
    byte[] bytes;
    try (InputStream urandom = new FileInputStream("/dev/urandom")) {
      bytes = urandom.readNBytes(16);
    } catch (IOException e) {
      return UUID.randomUUID().toString();
    }
    if (bytes.length != 16) {
      return UUID.randomUUID().toString();
    }
    return version4(bytes).toString();
  }

  /** The UUID of these 16 random bytes, with the version (4) and variant (IETF) bits set. */
  static UUID version4(byte[] random) {
    byte[] bytes = random.clone();
    bytes[6] = (byte) ((bytes[6] & 0x0f) | 0x40);
    bytes[8] = (byte) ((bytes[8] & 0x3f) | 0x80);
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    return new UUID(buffer.getLong(), buffer.getLong());
  }
}
