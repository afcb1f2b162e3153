package io.cocos.manager.qemu;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;

/**
 * What this host offers for launching CVMs, read the way upstream reads it: a TEE is available when
 * /proc/cpuinfo lists its CPU flag and the KVM module's parameter reads Y. The device nodes are
 * checked too, because a missing /dev/kvm or /dev/vhost-vsock makes every QEMU start fail.
 *
 * <p>All paths are read below {@code root} so tests can lay out a fake /proc and /sys.
 */
public record HostTees(
    Support sevSnp, Support tdx, Support sev, boolean kvmDevice, boolean vhostVsockDevice) {

  /** Whether one TEE is available, with the evidence, so a warning can say why not. */
  public record Support(boolean available, String evidence) {}

  public static HostTees detect() {
    return detect(Path.of("/"));
  }

  public static HostTees detect(Path root) {
    Optional<Set<String>> cpuFlags = cpuFlags(root.resolve("proc/cpuinfo"));
    return new HostTees(
        support(root, cpuFlags, "sev_snp", "sys/module/kvm_amd/parameters/sev_snp"),
        support(root, cpuFlags, "tdx_host_platform", "sys/module/kvm_intel/parameters/tdx"),
        support(root, cpuFlags, "sev", "sys/module/kvm_amd/parameters/sev"),
        Files.exists(root.resolve("dev/kvm")),
        Files.exists(root.resolve("dev/vhost-vsock")));
  }

  private static Support support(
      Path root, Optional<Set<String>> cpuFlags, String flag, String parameter) {
    if (cpuFlags.isEmpty()) {
      return new Support(false, "/proc/cpuinfo is unreadable");
    }
    if (!cpuFlags.get().contains(flag)) {
      return new Support(false, "/proc/cpuinfo lacks " + flag);
    }
    String value;
    try {
      value = Files.readString(root.resolve(parameter)).strip();
    } catch (IOException e) {
      return new Support(false, "/" + parameter + " is missing");
    }
    // Kernels before 5.x print booleans of kvm_amd as 1/0 rather than Y/N.
    if (!value.equals("Y") && !value.equals("1")) {
      return new Support(false, "/" + parameter + " reads " + value);
    }
    return new Support(
        true, "/proc/cpuinfo lists " + flag + " and /" + parameter + " reads " + value);
  }

  /**
   * The words of the first CPU's "flags" line; words, so that "sev" does not match "sev_snp". The
   * TEE flags are the platform's, alike on every CPU, and the kernel formats /proc/cpuinfo as it is
   * read: on a host of hundreds of CPUs, reading it all cost start-up far more than one block.
   */
  private static Optional<Set<String>> cpuFlags(Path cpuinfo) {
    try (BufferedReader lines = Files.newBufferedReader(cpuinfo, StandardCharsets.ISO_8859_1)) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (line.startsWith("flags")) {
          String words = line.substring(line.indexOf(':') + 1).strip();
          return Optional.of(Set.copyOf(Arrays.asList(words.split("\\s+"))));
        }
      }
      return Optional.of(Set.of());
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
