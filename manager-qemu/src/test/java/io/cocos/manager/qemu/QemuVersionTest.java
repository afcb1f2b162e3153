package io.cocos.manager.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QemuVersionTest {
  @TempDir Path dir;

  @Test
  void theRealQemuSaysItsVersionOnItsFirstLine() {
    Path qemu = Path.of("/usr/bin/qemu-system-x86_64");
    if (!Files.isExecutable(qemu)) {
      return; // nothing to ask on a machine without QEMU
    }
    assertThat(new QemuVersion(qemu.toString()).get()).startsWith("QEMU emulator version ");
  }

  @Test
  void aMissingOrFailingBinaryIsEmptyAndAskedOnce() throws Exception {
    assertThat(new QemuVersion(dir.resolve("missing").toString()).get()).isEmpty();

    Path counter = dir.resolve("runs");
    Path failing = dir.resolve("failing-qemu");
    Files.writeString(failing, "#!/bin/sh\necho run >> " + counter + "\necho oops\nexit 1\n");
    Files.setPosixFilePermissions(failing, PosixFilePermissions.fromString("rwx------"));
    QemuVersion version = new QemuVersion(failing.toString());
    assertThat(version.get()).isEmpty();
    assertThat(version.get()).isEmpty();
    assertThat(Files.readAllLines(counter)).hasSize(1);
  }
}
