package io.cocos.manager.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import io.cocos.manager.core.vm.TeeKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Detection against a fake root holding proc/cpuinfo, sys/module/... and dev/. */
class HostTeesTest {
  @TempDir Path root;

  private void write(String path, String content) throws IOException {
    Path file = root.resolve(path);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
  }

  private void cpuFlags(String flags) throws IOException {
    write(
        "proc/cpuinfo",
        "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu vme "
            + flags
            + "\n\n"
            + "processor\t: 1\nflags\t\t: fpu vme "
            + flags
            + "\n");
  }

  @Test
  void sevSnpNeedsTheCpuFlagAndTheKvmAmdParameter() throws IOException {
    cpuFlags("sme sev sev_es sev_snp");
    write("sys/module/kvm_amd/parameters/sev_snp", "Y\n");
    write("sys/module/kvm_amd/parameters/sev", "Y\n");

    HostTees host = HostTees.detect(root);

    assertThat(host.sevSnp().available()).isTrue();
    assertThat(host.sevSnp().evidence())
        .isEqualTo(
            "/proc/cpuinfo lists sev_snp and /sys/module/kvm_amd/parameters/sev_snp reads Y");
    assertThat(host.sev().available()).isTrue();
    assertThat(host.tdx().available()).isFalse();
    assertThat(host.tdx().evidence()).isEqualTo("/proc/cpuinfo lacks tdx_host_platform");
  }

  @Test
  void aParameterThatReadsNOrIsMissingMeansNotAvailable() throws IOException {
    cpuFlags("sev sev_snp tdx_host_platform");
    write("sys/module/kvm_amd/parameters/sev_snp", "N\n");

    HostTees host = HostTees.detect(root);

    assertThat(host.sevSnp())
        .isEqualTo(new HostTees.Support(false, "/sys/module/kvm_amd/parameters/sev_snp reads N"));
    assertThat(host.tdx())
        .isEqualTo(new HostTees.Support(false, "/sys/module/kvm_intel/parameters/tdx is missing"));
  }

  @Test
  void tdxNeedsTheCpuFlagAndTheKvmIntelParameter() throws IOException {
    cpuFlags("vmx tdx_host_platform");
    write("sys/module/kvm_intel/parameters/tdx", "Y");

    HostTees host = HostTees.detect(root);

    assertThat(host.tdx().available()).isTrue();
    assertThat(host.sevSnp().evidence()).isEqualTo("/proc/cpuinfo lacks sev_snp");
  }

  @Test
  void flagsAreWholeWordsSoSevSnpAloneIsNotSev() throws IOException {
    cpuFlags("sev_snp sev_es");
    write("sys/module/kvm_amd/parameters/sev", "1\n");

    assertThat(HostTees.detect(root).sev())
        .isEqualTo(new HostTees.Support(false, "/proc/cpuinfo lacks sev"));
  }

  @Test
  void theFirstCpusFlagsAreTheHosts() throws IOException {
    // What follows the first block is not read: its lines would have added sev.
    write(
        "proc/cpuinfo",
        "processor\t: 0\nflags\t\t: fpu sme sev_snp\n\nprocessor\t: 1\nflags\t\t: fpu sev\n"
            + "\0\uFFFD not cpuinfo at all".repeat(1000));
    write("sys/module/kvm_amd/parameters/sev", "Y\n");
    write("sys/module/kvm_amd/parameters/sev_snp", "Y\n");

    HostTees host = HostTees.detect(root);

    assertThat(host.sevSnp().available()).isTrue();
    assertThat(host.sev()).isEqualTo(new HostTees.Support(false, "/proc/cpuinfo lacks sev"));
  }

  @Test
  void olderKernelsPrintOneForYes() throws IOException {
    cpuFlags("sev");
    write("sys/module/kvm_amd/parameters/sev", "1\n");

    assertThat(HostTees.detect(root).sev().available()).isTrue();
  }

  @Test
  void withoutCpuinfoNothingIsAvailable() {
    HostTees host = HostTees.detect(root);

    assertThat(host.sevSnp()).isEqualTo(new HostTees.Support(false, "/proc/cpuinfo is unreadable"));
    assertThat(host.tdx().available()).isFalse();
    assertThat(host.kvmDevice()).isFalse();
    assertThat(host.vhostVsockDevice()).isFalse();
  }

  @Test
  void deviceNodesAreLookedFor() throws IOException {
    write("dev/kvm", "");
    write("dev/vhost-vsock", "");

    HostTees host = HostTees.detect(root);

    assertThat(host.kvmDevice()).isTrue();
    assertThat(host.vhostVsockDevice()).isTrue();
  }

  @Test
  void detectionDecidesTheTeeAndItsWarningQuotesTheEvidence() throws IOException {
    cpuFlags("sev sev_snp");
    write("sys/module/kvm_amd/parameters/sev_snp", "Y\n");
    write("dev/kvm", "");

    QemuConfig detected =
        QemuConfig.fromEnv(
            TestEnv.of("ENABLE_VSOCK", "false"), HostTees.detect(root), TestEnv.NO_GPU);
    QemuConfig askedForTdx =
        QemuConfig.fromEnv(
            TestEnv.of("ENABLE_VSOCK", "false", "ENABLE_TDX", "true"),
            HostTees.detect(root),
            TestEnv.NO_GPU);

    assertThat(detected.tee()).isEqualTo(TeeKind.SEV_SNP);
    assertThat(detected.warnings()).isEmpty();
    assertThat(askedForTdx.tee()).isEqualTo(TeeKind.TDX);
    assertThat(askedForTdx.warnings())
        .containsExactly(
            "MANAGER_QEMU_ENABLE_TDX=true but this host has no TDX "
                + "(/proc/cpuinfo lacks tdx_host_platform): QEMU will fail to start CVMs");
  }

  @Test
  void thisHostCanBeProbed() {
    HostTees host = HostTees.detect();

    assertThat(host.sevSnp().evidence()).isNotBlank();
    assertThat(host.kvmDevice()).isEqualTo(Files.exists(Path.of("/dev/kvm")));
  }
}
