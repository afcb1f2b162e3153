package io.cocos.manager.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cocos.manager.core.config.ConfigException;
import io.cocos.manager.core.config.Env;
import io.cocos.manager.core.vm.TeeKind;
import io.cocos.manager.qemu.args.PflashDrive;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QemuConfigTest {
  private static final String HOST_DATA = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

  @Test
  void unsetVariablesTakeUpstreamsDefaults() {
    QemuConfig c = TestEnv.config();

    assertThat(c.binPath()).isEqualTo("qemu-system-x86_64");
    assertThat(c.useSudo()).isFalse();
    assertThat(c.enableKvm()).isTrue();
    assertThat(c.machine()).isEqualTo("q35");
    assertThat(c.cpu()).isEqualTo("EPYC");
    assertThat(c.smpCount()).isEqualTo(4);
    assertThat(c.smpMaxCpus()).isEqualTo(64);
    assertThat(c.memoryId()).isEqualTo("ram1");
    assertThat(c.memorySize().text()).isEqualTo("2048M");
    assertThat(c.memorySlots()).isEqualTo(5);
    assertThat(c.maxMemory().text()).isEqualTo("30G");
    assertThat(c.ovmfCode()).isEqualTo(
        new PflashDrive("pflash", "raw", 0, "/usr/share/OVMF/OVMF_CODE.fd", Optional.of("on")));
    assertThat(c.ovmfVarsTemplate()).isEqualTo(
        new PflashDrive("pflash", "raw", 1, "/usr/share/OVMF/OVMF_VARS.fd", Optional.empty()));
    assertThat(c.ovmfVersion()).isEmpty();
    assertThat(c.netdevId()).isEqualTo("vmnic");
    assertThat(c.guestFwdAgent()).isEqualTo(7002);
    assertThat(c.virtioNetDisableLegacy()).isEqualTo("on");
    assertThat(c.virtioNetIommuPlatform()).isTrue();
    assertThat(c.virtioNetAddr()).isEqualTo("0x2");
    assertThat(c.virtioNetRomfile()).isEmpty();
    assertThat(c.enableVsock()).isTrue();
    assertThat(c.vsockId()).isEqualTo("vhost-vsock-pci0");
    assertThat(c.kernelFile()).isEqualTo("img/bzImage");
    assertThat(c.rootfsFile()).isEqualTo("img/rootfs.cpio.gz");
    assertThat(c.kernelCommandLine()).isEqualTo("quiet console=null");
    assertThat(c.tee()).isEqualTo(TeeKind.NONE);
    assertThat(c.sevSnpId()).isEqualTo("sev0");
    assertThat(c.sevSnpCbitPos()).isEqualTo(51);
    assertThat(c.sevSnpReducedPhysBits()).isEqualTo(1);
    assertThat(c.hostData()).isEmpty();
    assertThat(c.igvmId()).isEqualTo("igvm0");
    assertThat(c.igvmFile()).isEqualTo("/root/coconut-qemu.igvm");
    assertThat(c.sevCbitPos()).isEqualTo(51);
    assertThat(c.tdxId()).isEqualTo("tdx0");
    assertThat(c.quoteGenerationPort()).isEqualTo(4050);
    assertThat(c.tdxOvmfFile()).isEqualTo("/usr/share/ovmf/OVMF.fd");
    assertThat(c.noGraphic()).isTrue();
    assertThat(c.monitor()).isEqualTo("pty");
    assertThat(c.startupGrace()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.warnings()).isEmpty();
  }

  @Test
  void setVariablesAreRead() {
    QemuConfig c = TestEnv.config("BIN_PATH", "/opt/qemu/bin/qemu-system-x86_64", "USE_SUDO", "true",
        "ENABLE_KVM", "0", "MACHINE", "q35,smm=on", "CPU", "EPYC-v4", "SMP_COUNT", "2", "SMP_MAXCPUS", "16",
        "MEMORY_SIZE", "25G", "MAX_MEMORY", "30G", "OVMF_CODE_READONLY", "off", "OVMF_VERSION", "edk2-stable202408",
        "VIRTIO_NET_PCI_IOMMU_PLATFORM", "false", "KERNEL_CMDLINE", "console=ttyS0",
        "ENABLE_VSOCK", "false", "STARTUP_GRACE", "250ms", "MONITOR", "none");

    assertThat(c.binPath()).isEqualTo("/opt/qemu/bin/qemu-system-x86_64");
    assertThat(c.useSudo()).isTrue();
    assertThat(c.enableKvm()).isFalse();
    assertThat(c.machine()).isEqualTo("q35,smm=on");
    assertThat(c.cpu()).isEqualTo("EPYC-v4");
    assertThat(c.smpCount()).isEqualTo(2);
    assertThat(c.smpMaxCpus()).isEqualTo(16);
    assertThat(c.memorySize().text()).isEqualTo("25G");
    assertThat(c.ovmfCode().readOnly()).contains("off");
    assertThat(c.ovmfVersion()).isEqualTo("edk2-stable202408");
    assertThat(c.virtioNetIommuPlatform()).isFalse();
    assertThat(c.kernelCommandLine()).isEqualTo("console=ttyS0");
    assertThat(c.enableVsock()).isFalse();
    assertThat(c.startupGrace()).isEqualTo(Duration.ofMillis(250));
    assertThat(c.monitor()).isEqualTo("none");
  }

  // Control characters sit inside the values: the CSV source trims them off the ends.
  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', value = {
      "BIN_PATH|qemu\u0001x",
      "USE_SUDO|yes please",
      "ENABLE_KVM|maybe",
      "MACHINE|q35\u0000,x",
      "CPU|EPYC\u001b[1m",
      "SMP_COUNT|four",
      "SMP_COUNT|0",
      "SMP_COUNT|65",
      "SMP_MAXCPUS|-1",
      "MEM_ID|ram 1",
      "MEMORY_SIZE|2GB!",
      "MEMORY_SLOTS|many",
      "MAX_MEMORY|30X",
      "MAX_MEMORY|1G",
      "OVMF_CODE_IF|floppy disk",
      "OVMF_CODE_FORMAT|raw,snapshot=on",
      "OVMF_CODE_UNIT|-1",
      "OVMF_CODE_FILE|/a\u0000b",
      "OVMF_CODE_READONLY|sometimes",
      "OVMF_VARS_IF|usb",
      "OVMF_VARS_FORMAT|1raw",
      "OVMF_VARS_UNIT|x",
      "OVMF_VARS_FILE|/a\u0007b",
      "NETDEV_ID|vm,nic",
      "HOST_FWD_AGENT|70x1",
      "GUEST_FWD_AGENT|70000",
      "VIRTIO_NET_PCI_DISABLE_LEGACY|maybe",
      "VIRTIO_NET_PCI_IOMMU_PLATFORM|on",
      "VIRTIO_NET_PCI_ADDR|0x2,multifunction=on",
      "VIRTIO_NET_PCI_ROMFILE|/r\u0000x",
      "ENABLE_VSOCK|y e s",
      "VSOCK_ID|3vsock",
      "DISK_IMG_KERNEL_FILE|/k\u0000x",
      "DISK_IMG_ROOTFS_FILE|/r\u0000x",
      "KERNEL_CMDLINE|quiet\u0000init=/bin/sh",
      "ENABLE_SEV_SNP|sure",
      "SEV_SNP_ID|sev 0",
      "SEV_SNP_CBITPOS|fifty-one",
      "SEV_SNP_CBIT_POS|64",
      "SEV_SNP_REDUCED_PHYS_BITS|x",
      "ENABLE_HOST_DATA|2",
      "ENABLE_SEV|nope",
      "SEV_CBITPOS|0",
      "ENABLE_TDX|si",
      "TDX_ID|tdx\"0",
      "QUOTE_GENERATION_PORT|0",
      "OVMF_FILE|/o\u0000x",
      "IGVM_ID|igvm,0",
      "IGVM_FILE|/i\u0000x",
      "NO_GRAPHIC|nah",
      "MONITOR|pty\u0000x",
      "STARTUP_GRACE|-1s",
  })
  void aBadValueNamesItsVariable(String suffix, String value) {
    String variable = QemuConfig.PREFIX + suffix;

    assertThatThrownBy(() -> TestEnv.config(suffix, value))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(variable + "=")
        .satisfies(e -> assertThat(((ConfigException) e).variable()).isEqualTo(variable));
  }

  @Test
  void smpCountAboveMaxcpusAndMaxMemoryBelowMemoryAreExplained() {
    assertThatThrownBy(() -> TestEnv.config("SMP_COUNT", "8", "SMP_MAXCPUS", "4"))
        .hasMessage("MANAGER_QEMU_SMP_COUNT=\"8\": expected at most MANAGER_QEMU_SMP_MAXCPUS (4)");
    assertThatThrownBy(() -> TestEnv.config("MEMORY_SIZE", "4G", "MAX_MEMORY", "2G"))
        .hasMessage("MANAGER_QEMU_MAX_MEMORY=\"2G\": expected at least MANAGER_QEMU_MEMORY_SIZE (4G)");
  }

  @Test
  void hostDataMustBeBase64OfThirtyTwoBytesWhenEnabled() {
    assertThat(TestEnv.config("ENABLE_SEV_SNP", "true", "ENABLE_HOST_DATA", "true", "HOST_DATA", HOST_DATA).hostData())
        .contains(HOST_DATA);
    for (String bad : new String[] {"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd", "not base64!", ""}) {
      assertThatThrownBy(() -> TestEnv.config("ENABLE_SEV_SNP", "true", "ENABLE_HOST_DATA", "true", "HOST_DATA", bad))
          .as("HOST_DATA=%s", bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("MANAGER_QEMU_HOST_DATA=")
          .hasMessageContaining("base64 of 32 bytes");
    }
    assertThat(TestEnv.config("HOST_DATA", "not base64!").hostData()).isEmpty();
  }

  @Test
  void upstreamsCbitPosSpellingIsReadWhenItIsTheOnlyOne() {
    assertThat(TestEnv.config("SEV_SNP_CBIT_POS", "47").sevSnpCbitPos()).isEqualTo(47);
    assertThat(TestEnv.config("SEV_SNP_CBIT_POS", "47", "SEV_SNP_CBITPOS", "48").sevSnpCbitPos()).isEqualTo(48);
  }

  @Test
  void cpuDefaultsToHostForTdxOnly() {
    assertThat(TestEnv.config("ENABLE_TDX", "true").cpu()).isEqualTo("host");
    assertThat(TestEnv.config("ENABLE_TDX", "true", "CPU", "SapphireRapids").cpu()).isEqualTo("SapphireRapids");
    assertThat(TestEnv.config("ENABLE_SEV_SNP", "true").cpu()).isEqualTo("EPYC");
  }

  // ------------------------------------------------------------------ TEE choice

  private static final HostTees SNP_HOST = host(true, false);
  private static final HostTees TDX_HOST = host(false, true);

  private static HostTees host(boolean snp, boolean tdx) {
    return new HostTees(new HostTees.Support(snp, snp ? "detected" : "/proc/cpuinfo lacks sev_snp"),
        new HostTees.Support(tdx, tdx ? "detected" : "/proc/cpuinfo lacks tdx_host_platform"),
        new HostTees.Support(false, "/proc/cpuinfo lacks sev"), true, true);
  }

  private static QemuConfig on(HostTees host, String... env) {
    return QemuConfig.fromEnv(TestEnv.of(env), host);
  }

  @Test
  void unsetTeesAreDetectedOnTheHost() {
    assertThat(on(SNP_HOST).tee()).isEqualTo(TeeKind.SEV_SNP);
    assertThat(on(TDX_HOST).tee()).isEqualTo(TeeKind.TDX);
    assertThat(on(TestEnv.PLAIN_HOST).tee()).isEqualTo(TeeKind.NONE);
    assertThat(on(SNP_HOST).warnings()).isEmpty();
  }

  @Test
  void anExplicitSettingWinsOverDetection() {
    assertThat(on(SNP_HOST, "ENABLE_SEV_SNP", "false").tee()).isEqualTo(TeeKind.NONE);
    assertThat(on(TDX_HOST, "ENABLE_TDX", "false").tee()).isEqualTo(TeeKind.NONE);
    assertThat(on(SNP_HOST, "ENABLE_TDX", "true").tee()).isEqualTo(TeeKind.TDX);
    assertThat(on(SNP_HOST, "ENABLE_SEV", "true").tee()).isEqualTo(TeeKind.SEV);
    assertThat(on(TestEnv.PLAIN_HOST, "ENABLE_SEV_SNP", "true").tee()).isEqualTo(TeeKind.SEV_SNP);
  }

  @Test
  void twoTeesAtOnceAreRefused() {
    assertThatThrownBy(() -> on(TestEnv.PLAIN_HOST, "ENABLE_SEV_SNP", "true", "ENABLE_TDX", "true"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("MANAGER_QEMU_ENABLE_TDX=\"true\": expected false while MANAGER_QEMU_ENABLE_SEV_SNP=true: "
            + "a CVM runs in one TEE");
    assertThatThrownBy(() -> on(TestEnv.PLAIN_HOST, "ENABLE_SEV_SNP", "true", "ENABLE_SEV", "true"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("MANAGER_QEMU_ENABLE_SEV=");
    assertThatThrownBy(() -> on(host(true, true)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("reports both SEV-SNP and TDX");
    assertThat(on(host(true, true), "ENABLE_TDX", "false").tee()).isEqualTo(TeeKind.SEV_SNP);
  }

  // ------------------------------------------------------------------ warnings

  @Test
  void askingForATeeTheHostLacksIsALoudWarningNotAnError() {
    assertThat(on(TestEnv.PLAIN_HOST, "ENABLE_SEV_SNP", "true").warnings()).containsExactly(
        "MANAGER_QEMU_ENABLE_SEV_SNP=true but this host has no SEV-SNP (/proc/cpuinfo lacks sev_snp): "
            + "QEMU will fail to start CVMs");
    assertThat(on(TestEnv.PLAIN_HOST, "ENABLE_TDX", "true").warnings()).singleElement().asString()
        .startsWith("MANAGER_QEMU_ENABLE_TDX=true but this host has no TDX (/proc/cpuinfo lacks tdx_host_platform)");
    assertThat(on(TestEnv.PLAIN_HOST, "ENABLE_SEV", "true").warnings()).singleElement().asString()
        .startsWith("MANAGER_QEMU_ENABLE_SEV=true but this host has no SEV (/proc/cpuinfo lacks sev)");
  }

  @Test
  void missingDevicesAreWarnedAboutUnlessTheirFeatureIsOff() {
    HostTees bare = new HostTees(TestEnv.PLAIN_HOST.sevSnp(), TestEnv.PLAIN_HOST.tdx(), TestEnv.PLAIN_HOST.sev(),
        false, false);

    assertThat(on(bare).warnings()).containsExactly(
        "MANAGER_QEMU_ENABLE_KVM=true but /dev/kvm is missing: QEMU will fail to start CVMs; "
            + "set MANAGER_QEMU_ENABLE_KVM=false to run them under TCG (slow)",
        "MANAGER_QEMU_ENABLE_VSOCK=true but /dev/vhost-vsock is missing: QEMU will fail to start CVMs; "
            + "set MANAGER_QEMU_ENABLE_VSOCK=false on this host");
    assertThat(on(bare, "ENABLE_KVM", "false", "ENABLE_VSOCK", "false").warnings()).isEmpty();
  }

  @Test
  void ignoredSettingsAreWarnedAbout() {
    assertThat(TestEnv.config("ENABLE_HOST_DATA", "true", "HOST_DATA", HOST_DATA).warnings()).containsExactly(
        "MANAGER_QEMU_ENABLE_HOST_DATA=true is ignored: host data is an SEV-SNP feature and the TEE is none");
    assertThat(TestEnv.config("HOST_DATA", HOST_DATA).warnings()).containsExactly(
        "MANAGER_QEMU_HOST_DATA is ignored while MANAGER_QEMU_ENABLE_HOST_DATA is false");
    assertThat(TestEnv.config("CERTS_MOUNT", "/tmp/c", "ENV_MOUNT", "/tmp/e").warnings()).containsExactly(
        "MANAGER_QEMU_CERTS_MOUNT is ignored: the manager gives each CVM its own share directory",
        "MANAGER_QEMU_ENV_MOUNT is ignored: the manager gives each CVM its own share directory");
  }

  @Test
  void aQemuBinaryThatIsNotThereIsWarnedAbout(@TempDir Path dir) throws Exception {
    Files.createFile(dir.resolve("qemu-system-x86_64")).toFile().setExecutable(true);

    assertThat(QemuConfig.fromEnv(new Env(Map.of("PATH", "/nonexistent:" + dir)), TestEnv.PLAIN_HOST).warnings())
        .isEmpty();
    assertThat(QemuConfig.fromEnv(new Env(Map.of("PATH", "/nonexistent")), TestEnv.PLAIN_HOST).warnings())
        .containsExactly("MANAGER_QEMU_BIN_PATH=qemu-system-x86_64 is not an executable file on PATH: "
            + "QEMU will fail to start CVMs");
    assertThat(QemuConfig.fromEnv(new Env(Map.of("MANAGER_QEMU_BIN_PATH", dir + "/nope")), TestEnv.PLAIN_HOST)
        .warnings()).containsExactly("MANAGER_QEMU_BIN_PATH=" + dir + "/nope is not an executable file: "
            + "QEMU will fail to start CVMs");
  }
}
