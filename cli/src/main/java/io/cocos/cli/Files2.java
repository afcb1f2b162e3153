package io.cocos.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reading the user's files, with failures said in words ("no such file") rather than as traces. */
public final class Files2 {
  private Files2() {}

  /**
   * Reads a PEM file named by an option or variable; null when path is null or empty (not given).
   *
   * @param what the option or variable that named the file, e.g. "--client-key"
   */
  public static byte[] readPem(CliContext ctx, String what, String path) {
    if (path == null || path.isEmpty()) {
      return null;
    }
    Path file = ctx.resolve(path);
    byte[] bytes = read(what, path, file);
    if (!new String(bytes, StandardCharsets.US_ASCII).contains("-----BEGIN ")) {
      throw new CliException(
          ExitCode.LOCAL,
          "cannot use " + what + " " + path + ": not a PEM file (no \"-----BEGIN\" line)");
    }
    return bytes;
  }

  /** Checks that a file named by a variable can be read, for files that a library reads itself. */
  public static Path readable(CliContext ctx, String what, String path) {
    Path file = ctx.resolve(path);
    read(what, path, file);
    return file;
  }

  private static byte[] read(String what, String shown, Path file) {
    if (Files.isDirectory(file)) {
      throw new CliException(
          ExitCode.LOCAL, "cannot read " + what + " " + shown + ": is a directory");
    }
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new CliException(
          ExitCode.LOCAL, "cannot read " + what + " " + shown + ": " + reason(e));
    }
  }

  /** An I/O failure in a few words. */
  public static String reason(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m;
  }
}
