package io.cocos.manager.qemu;

import io.cocos.manager.core.config.Env;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Builds MANAGER_QEMU_* environments for tests: {@code TestEnv.of("ENABLE_TDX", "true")}. */
final class TestEnv {
  /** A host with /dev/kvm and /dev/vhost-vsock but no TEE, so the defaults raise no warning. */
  static final HostTees PLAIN_HOST =
      new HostTees(
          new HostTees.Support(false, "/proc/cpuinfo lacks sev_snp"),
          new HostTees.Support(false, "/proc/cpuinfo lacks tdx_host_platform"),
          new HostTees.Support(false, "/proc/cpuinfo lacks sev"),
          true,
          true);

  /** A host whose sysfs has no vfio-pci driver, so no GPU is detected. */
  static final VfioGpus NO_GPU = VfioGpus.at(Path.of("/nonexistent-sysfs"));

  private TestEnv() {}

  /** Suffix/value pairs; each suffix gets the MANAGER_QEMU_ prefix. */
  static Map<String, String> vars(String... suffixesAndValues) {
    Map<String, String> vars = new HashMap<>();
    for (int i = 0; i < suffixesAndValues.length; i += 2) {
      vars.put(QemuConfig.PREFIX + suffixesAndValues[i], suffixesAndValues[i + 1]);
    }
    return vars;
  }

  static Env of(String... suffixesAndValues) {
    return new Env(vars(suffixesAndValues));
  }

  static QemuConfig config(String... suffixesAndValues) {
    return QemuConfig.fromEnv(of(suffixesAndValues), PLAIN_HOST, NO_GPU);
  }
}
