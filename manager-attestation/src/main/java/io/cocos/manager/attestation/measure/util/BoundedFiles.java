package io.cocos.manager.attestation.measure.util;

import io.cocos.manager.attestation.measure.MeasurementException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;

/**
 * File reading with a size bound checked before anything is allocated, and errors turned into
 * {@link MeasurementException}s that name the file and its role.
 */
public final class BoundedFiles {
  private BoundedFiles() {}

  /**
   * Reads a whole file into memory. The size is taken from the open file and checked against {@code
   * maxBytes} before the buffer is allocated; a file that changes size while being read is an
   * error.
   *
   * @param what the file's role, for messages ("OVMF file", "IGVM file", ...)
   */
  public static byte[] readAll(Path path, long maxBytes, String what) throws MeasurementException {
    if (path == null) {
      throw new MeasurementException(what + " is not set");
    }
    if (!Files.isRegularFile(path)) {
      throw new MeasurementException(
          what + " " + path + (Files.exists(path) ? " is not a regular file" : " does not exist"));
    }
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size > maxBytes) {
        throw new MeasurementException(
            what + " " + path + " is too large: " + size + " bytes (limit " + maxBytes + ")");
      }
      byte[] data = new byte[(int) size];
      ByteBuffer buf = ByteBuffer.wrap(data);
      while (buf.hasRemaining()) {
        if (ch.read(buf) < 0) {
          throw new MeasurementException(what + " " + path + " shrank while it was being read");
        }
      }
      if (ch.read(ByteBuffer.allocate(1)) > 0) {
        throw new MeasurementException(what + " " + path + " grew while it was being read");
      }
      return data;
    } catch (NoSuchFileException e) {
      throw new MeasurementException(what + " " + path + " does not exist", e);
    } catch (IOException e) {
      throw new MeasurementException("cannot read " + what + " " + path + ": " + describe(e), e);
    }
  }

  /** Size of a file in bytes. */
  public static long size(Path path, String what) throws MeasurementException {
    try {
      return Files.size(path);
    } catch (NoSuchFileException e) {
      throw new MeasurementException(what + " " + path + " does not exist", e);
    } catch (IOException e) {
      throw new MeasurementException("cannot read " + what + " " + path + ": " + describe(e), e);
    }
  }

  /**
   * Streams a file (of any size, or a device such as /dev/null) through {@code digest}, which is
   * reset first, and returns the digest.
   */
  public static byte[] digest(Path path, MessageDigest digest, String what)
      throws MeasurementException {
    digest.reset();
    byte[] buf = new byte[64 * 1024];
    try (InputStream in = Files.newInputStream(path)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        digest.update(buf, 0, n);
      }
      return digest.digest();
    } catch (NoSuchFileException e) {
      throw new MeasurementException(what + " " + path + " does not exist", e);
    } catch (IOException e) {
      throw new MeasurementException("cannot read " + what + " " + path + ": " + describe(e), e);
    }
  }

  private static String describe(IOException e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null ? "" : " (" + m + ")");
  }
}
