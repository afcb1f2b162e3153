package io.cocos.manager.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds a GPU ready for passthrough as upstream does: an NVIDIA device (vendor 0x10de) of class VGA
 * (0x0300xx) or 3D controller (0x0302xx, the H100's) bound to the vfio-pci driver. The sysfs root
 * is a parameter so tests can hand it a fake tree.
 */
public final class VfioGpus {
  static final String NVIDIA = "0x10de";

  private final Path sysfs;

  private VfioGpus(Path sysfs) {
    this.sysfs = sysfs;
  }

  /** The host's /sys. */
  public static VfioGpus host() {
    return at(Path.of("/sys"));
  }

  /** A sysfs tree rooted at {@code sysfs} (the directory holding bus/pci). */
  public static VfioGpus at(Path sysfs) {
    return new VfioGpus(sysfs);
  }

  /**
   * The address of the first such GPU in address order, or empty when there is none (or no vfio-pci
   * driver).
   */
  public Optional<String> firstNvidia() {
    Path driver = sysfs.resolve("bus/pci/drivers/vfio-pci");
    List<String> bound = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(driver)) {
      // The driver directory also holds bind, unbind, new_id...: device links are named by address.
      entries.forEach(
          e -> {
            String name = e.getFileName().toString();
            if (name.contains(":")) {
              bound.add(name);
            }
          });
    } catch (IOException e) {
      return Optional.empty();
    }
    return bound.stream().sorted().filter(this::isNvidiaGpu).findFirst();
  }

  private boolean isNvidiaGpu(String address) {
    Path device = sysfs.resolve("bus/pci/devices").resolve(address);
    Optional<String> vendor = read(device.resolve("vendor"));
    Optional<String> deviceClass = read(device.resolve("class"));
    return vendor.filter(NVIDIA::equalsIgnoreCase).isPresent()
        && deviceClass.filter(c -> c.startsWith("0x0300") || c.startsWith("0x0302")).isPresent();
  }

  private static Optional<String> read(Path file) {
    try {
      return Optional.of(Files.readString(file, StandardCharsets.US_ASCII).strip());
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
