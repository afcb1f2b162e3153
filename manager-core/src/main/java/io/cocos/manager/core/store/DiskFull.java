package io.cocos.manager.core.store;

import java.nio.file.FileSystemException;

/** Recognises ENOSPC, which the JDK reports only as text ("No space left on device"). */
public final class DiskFull {
  private static final String ENOSPC = "No space left on device";

  private DiskFull() {}

  /** Whether this failure, or one of its causes, is a full disk. */
  public static boolean is(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      String text = t instanceof FileSystemException fse ? fse.getReason() : t.getMessage();
      if ((text != null && text.contains(ENOSPC))
          || (t.getMessage() != null && t.getMessage().contains(ENOSPC))) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }
}
