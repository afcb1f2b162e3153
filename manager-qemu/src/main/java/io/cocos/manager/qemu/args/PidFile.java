package io.cocos.manager.qemu.args;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code -pidfile <file>}: QEMU writes its pid there (and keeps it locked while it runs). Being in
 * the CVM's work directory, the path on the command line also ties the process to its CVM's
 * directory, which is how a restarting manager finds a QEMU whose record is missing.
 */
public record PidFile(Path file) implements QemuOption {
  /** The option, which a restarting manager looks for in the command lines of /proc. */
  public static final String OPTION = "-pidfile";

  public PidFile {
    if (!file.isAbsolute()) {
      throw new IllegalArgumentException("pid file must be an absolute path: " + file);
    }
    QemuValues.requirePrintable(file.toString(), "pid file");
  }

  @Override
  public List<String> render() {
    return List.of(OPTION, file.toString());
  }
}
