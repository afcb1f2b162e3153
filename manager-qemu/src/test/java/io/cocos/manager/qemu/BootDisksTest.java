package io.cocos.manager.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cocos.manager.core.vm.VmStartException;
import io.cocos.manager.qemu.QemuConfig.DiskClone;
import io.cocos.manager.qemu.QemuConfig.DiskImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-CVM boot disk, made with the real qemu-img (qemu-utils). */
class BootDisksTest {
  @TempDir Path dir;
  Path source;

  @BeforeEach
  void sourceImage() throws Exception {
    // 1.5 GiB virtual: the CVM's disk is rounded up to 2 GiB, plus 1 GiB
    source = dir.resolve("source.qcow2");
    qemuImg("create", "-q", "-f", "qcow2", source.toString(), "1536M");
  }

  @Test
  void anOverlayIsBackedByTheAbsoluteSourceAndOneGibLarger() throws Exception {
    Path disk = dir.resolve("cvm/vm/disk-a.qcow2");
    // a relative source would be resolved against the overlay's directory by QEMU: it must not be
    Path relative = Path.of("").toAbsolutePath().relativize(source);

    BootDisks.create(image(relative.toString(), "qcow2", DiskClone.OVERLAY), disk);

    String info = qemuImg("info", "--output=json", disk.toString());
    assertThat(info)
        .contains("\"virtual-size\": " + (3L << 30))
        .contains("\"backing-filename\": \"" + source + "\"")
        .contains("\"backing-filename-format\": \"qcow2\"");
  }

  @Test
  void aCopyStandsAloneInTheConfiguredFormat() throws Exception {
    Path disk = dir.resolve("cvm/vm/disk-b.raw");

    BootDisks.create(image(source.toString(), "raw", DiskClone.COPY), disk);

    String info = qemuImg("info", "--output=json", disk.toString());
    assertThat(info)
        .contains("\"virtual-size\": " + (3L << 30))
        .contains("\"format\": \"raw\"")
        .doesNotContain("backing-filename");
  }

  @Test
  void aFailureSaysWhyAndLeavesNoDisk() throws Exception {
    Path disk = dir.resolve("cvm/vm/disk-c.qcow2");
    Files.writeString(dir.resolve("not-an-image.qcow2"), "plain text");

    assertThatThrownBy(
            () -> BootDisks.create(image(dir + "/missing.qcow2", "qcow2", DiskClone.OVERLAY), disk))
        .isInstanceOf(VmStartException.class)
        .hasMessageContaining("qemu-img info failed")
        .hasMessageContaining("missing.qcow2");
    assertThatThrownBy(
            () ->
                BootDisks.create(image(dir + "/not-an-image.qcow2", "qcow2", DiskClone.COPY), disk))
        .isInstanceOf(VmStartException.class)
        .hasMessageContaining("qemu-img info failed");
    assertThat(disk).doesNotExist();
  }

  private static DiskImage image(String source, String format, DiskClone clone) {
    return new DiskImage(source, format, "disk0", "scsi0", clone);
  }

  private static String qemuImg(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("qemu-img"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("qemu-img %s: %s", args[0], out).isZero();
    return out;
  }
}
