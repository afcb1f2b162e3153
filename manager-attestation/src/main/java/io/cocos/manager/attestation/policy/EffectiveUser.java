package io.cocos.manager.attestation.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Whether the manager runs as root, decided by the effective uid (what the kernel checks when
 * /dev/sev is opened), not by the user name: a user named "root" need not be uid 0.
 */
final class EffectiveUser {
  private EffectiveUser() {}

  /**
   * True when the effective uid is 0; false if it cannot be told (then sudo is used, as upstream
   * always does).
   */
  static boolean isRoot() {
    try {
      return effectiveUid(Files.readString(Path.of("/proc/self/status"))).orElse(-1) == 0;
    } catch (IOException e) {
      return false;
    }
  }

  /** The effective uid from /proc/[pid]/status: the second of the four ids on the "Uid:" line. */
  static OptionalLong effectiveUid(String procStatus) {
    for (String line : procStatus.split("\n")) {
      if (line.startsWith("Uid:")) {
        String[] ids = line.substring(4).strip().split("\\s+");
        if (ids.length >= 2 && ids[1].matches("\\d{1,10}")) {
          return OptionalLong.of(Long.parseLong(ids[1]));
        }
      }
    }
    return OptionalLong.empty();
  }
}
