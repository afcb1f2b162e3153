package io.cocos.manager.core.store;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * chattr +i / -i: a directory that even root cannot change, as a read-only or damaged state dir
 * behaves (permissions would not stop the root the tests run as). Needs root and a file system with
 * the immutable attribute (ext4, xfs, btrfs), which CI has.
 */
public final class Immutable {
  private Immutable() {}

  public static void set(Path path) throws Exception {
    chattr("+i", path);
  }

  public static void clear(Path path) throws Exception {
    chattr("-i", path);
  }

  private static void chattr(String flag, Path path) throws Exception {
    Process p =
        new ProcessBuilder("chattr", flag, path.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(
          "chattr " + flag + " " + path + " failed (needs root and ext4): " + out);
    }
  }
}
