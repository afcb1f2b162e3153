package io.cocos.manager.qemu;

import io.cocos.manager.core.vm.VmStartException;
import io.cocos.manager.qemu.QemuConfig.DiskClone;
import io.cocos.manager.qemu.QemuConfig.DiskImage;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes a CVM's boot disk from the source image with qemu-img (from PATH), before QEMU starts.
 *
 * <p>Both ways give the guest a disk 1 GiB larger than the source (rounded up to whole GiB), the
 * room upstream's encrypted-OS images grow their encrypted partition into:
 *
 * <ul>
 *   <li>{@link DiskClone#OVERLAY}: {@code qemu-img create -f qcow2 -b <source> -F qcow2 <disk>
 *       <size>}. The guest's writes land in the overlay, the source is only read: it must not
 *       change while a CVM uses it. Takes milliseconds at any size.
 *   <li>{@link DiskClone#COPY}: upstream's {@code qemu-img convert} then {@code qemu-img resize};
 *       the CVM's disk stands alone, and CreateVm takes as long as copying the image.
 * </ul>
 */
final class BootDisks {
  static final long GIB = 1L << 30;

  /** How much larger than the source a CVM's disk is (upstream's encryptedPartitionSizeDeltaGB). */
  static final long GROWTH_GIB = 1;

  private static final String SOURCE_FORMAT = "qcow2";
  private static final Pattern VIRTUAL_SIZE = Pattern.compile("\"virtual-size\"\\s*:\\s*(\\d+)");
  private static final int OUTPUT_LIMIT = 2000;

  private BootDisks() {}

  /** Creates {@code disk} from the image's source; on failure nothing is left at {@code disk}. */
  static void create(DiskImage image, Path disk) throws VmStartException, InterruptedException {
    Path source = Path.of(image.sourceFile()).toAbsolutePath().normalize();
    boolean done = false;
    try {
      Files.createDirectories(disk.getParent());
      String size = (roundUpGib(virtualSize(source)) + GROWTH_GIB) + "G";
      if (image.cloning() == DiskClone.OVERLAY) {
        run(
            List.of(
                "qemu-img",
                "create",
                "-q",
                "-f",
                "qcow2",
                "-b",
                source.toString(),
                "-F",
                SOURCE_FORMAT,
                disk.toString(),
                size));
      } else {
        run(
            List.of(
                "qemu-img",
                "convert",
                "-f",
                SOURCE_FORMAT,
                "-O",
                image.format(),
                source.toString(),
                disk.toString()));
        run(List.of("qemu-img", "resize", "-q", "-f", image.format(), disk.toString(), size));
      }
      done = true;
    } catch (IOException e) {
      throw new VmStartException(
          "cannot create the boot disk " + disk + " from " + source + ": " + e.getMessage(), e);
    } finally {
      if (!done) {
        deleteQuietly(disk);
      }
    }
  }

  static long roundUpGib(long bytes) {
    return (bytes + GIB - 1) / GIB;
  }

  private static long virtualSize(Path source)
      throws VmStartException, InterruptedException, IOException {
    String info =
        run(List.of("qemu-img", "info", "--output=json", "-f", SOURCE_FORMAT, source.toString()));
    Matcher m = VIRTUAL_SIZE.matcher(info);
    if (!m.find() || Long.parseLong(m.group(1)) <= 0) {
      throw new VmStartException("qemu-img info " + source + " reports no virtual size");
    }
    return Long.parseLong(m.group(1));
  }

  /** Runs qemu-img; returns its output, or throws with it (bounded) when it fails. */
  private static String run(List<String> command)
      throws VmStartException, InterruptedException, IOException {
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    String output;
    try (InputStream in = process.getInputStream()) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
      int status = process.waitFor();
      if (status != 0) {
        String shown =
            output.length() > OUTPUT_LIMIT
                ? "..." + output.substring(output.length() - OUTPUT_LIMIT)
                : output;
        throw new VmStartException(
            String.join(" ", command.subList(0, 2))
                + " failed with status "
                + status
                + ": "
                + shown.replace('\n', ' '));
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      process.onExit().join();
      throw e;
    }
    return output;
  }

  static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // Left for the CVM directory's removal.
    }
  }
}
