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

    assertThat(c.launch().binPath()).isEqualTo("qemu-system-x86_64");
    assertThat(c.launch().useSudo()).isFalse();
    assertThat(c.launch().enableKvm()).isTrue();
    assertThat(c.processor().machine()).isEqualTo("q35");
    assertThat(c.processor().cpu()).isEqualTo("EPYC");
    assertThat(c.processor().smpCount()).isEqualTo(4);
    assertThat(c.processor().smpMaxCpus()).isEqualTo(64);
    assertThat(c.memory().id()).isEqualTo("ram1");
    assertThat(c.memory().size().text()).isEqualTo("2048M");
    assertThat(c.memory().slots()).isEqualTo(5);
    assertThat(c.memory().max().text()).isEqualTo("30G");
    assertThat(c.firmware().code())
        .isEqualTo(
            new PflashDrive("pflash", "raw", 0, "/usr/share/OVMF/OVMF_CODE.fd", Optional.of("on")));
    assertThat(c.firmware().varsTemplate())
        .isEqualTo(
            new PflashDrive("pflash", "raw", 1, "/usr/share/OVMF/OVMF_VARS.fd", Optional.empty()));
    assertThat(c.firmware().version()).isEmpty();
    assertThat(c.network().netdevId()).isEqualTo("vmnic");
    assertThat(c.network().guestFwdAgent()).isEqualTo(7002);
    assertThat(c.network().virtioDisableLegacy()).isEqualTo("on");
    assertThat(c.network().virtioIommuPlatform()).isTrue();
    assertThat(c.network().virtioAddr()).isEqualTo("0x2");
    assertThat(c.network().virtioRomfile()).isEmpty();
    assertThat(c.vsock().enabled()).isFalse();
    assertThat(c.vsock().id()).isEqualTo("vhost-vsock-pci0");
    assertThat(((QemuConfig.KernelImages) c.boot()).kernelFile()).isEqualTo("img/bzImage");
    assertThat(((QemuConfig.KernelImages) c.boot()).rootfsFile()).isEqualTo("img/rootfs.cpio.gz");
    assertThat(c.boot().kernelCommandLine()).isEqualTo("quiet console=null");
    assertThat(c.tee()).isEqualTo(TeeKind.NONE);
    assertThat(c.sevSnp().id()).isEqualTo("sev0");
    assertThat(c.sevSnp().cbitPos()).isEqualTo(51);
    assertThat(c.sevSnp().reducedPhysBits()).isEqualTo(1);
    assertThat(c.sevSnp().hostData()).isEmpty();
    assertThat(c.sevSnp().igvmId()).isEqualTo("igvm0");
    assertThat(c.sevSnp().igvmFile()).isEqualTo("/root/coconut-qemu.igvm");
    assertThat(c.sev().cbitPos()).isEqualTo(51);
    assertThat(c.tdx().id()).isEqualTo("tdx0");
    assertThat(c.tdx().quoteGenerationPort()).isEqualTo(4050);
    assertThat(c.tdx().ovmfFile()).isEqualTo("/usr/share/ovmf/OVMF.fd");
    assertThat(c.display().noGraphic()).isTrue();
    assertThat(c.display().monitor()).isEqualTo("pty");
    assertThat(c.launch().startupGrace()).isEqualTo(Duration.ZERO);
    assertThat(c.launch().startupTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.launch().powerdownTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.warnings()).isEmpty();
  }

  @Test
  void setVariablesAreRead() {
    QemuConfig c =
        TestEnv.config(
            "BIN_PATH",
            "/opt/qemu/bin/qemu-system-x86_64",
            "USE_SUDO",
            "true",
            "ENABLE_KVM",
            "0",
            "MACHINE",
            "q35,smm=on",
            "CPU",
            "EPYC-v4",
            "SMP_COUNT",
            "2",
            "SMP_MAXCPUS",
            "16",
            "MEMORY_SIZE",
            "25G",
            "MAX_MEMORY",
            "30G",
            "OVMF_CODE_READONLY",
            "off",
            "OVMF_VERSION",
            "edk2-stable202408",
            "VIRTIO_NET_PCI_IOMMU_PLATFORM",
            "false",
            "KERNEL_CMDLINE",
            "console=ttyS0",
            "ENABLE_VSOCK",
            "false",
            "STARTUP_GRACE",
            "250ms",
            "MONITOR",
            "none");

    assertThat(c.launch().binPath()).isEqualTo("/opt/qemu/bin/qemu-system-x86_64");
    assertThat(c.launch().useSudo()).isTrue();
    assertThat(c.launch().enableKvm()).isFalse();
    assertThat(c.processor().machine()).isEqualTo("q35,smm=on");
    assertThat(c.processor().cpu()).isEqualTo("EPYC-v4");
    assertThat(c.processor().smpCount()).isEqualTo(2);
    assertThat(c.processor().smpMaxCpus()).isEqualTo(16);
    assertThat(c.memory().size().text()).isEqualTo("25G");
    assertThat(c.firmware().code().readOnly()).contains("off");
    assertThat(c.firmware().version()).isEqualTo("edk2-stable202408");
    assertThat(c.network().virtioIommuPlatform()).isFalse();
    assertThat(c.boot().kernelCommandLine()).isEqualTo("console=ttyS0");
    assertThat(c.vsock().enabled()).isFalse();
    assertThat(c.launch().startupGrace()).isEqualTo(Duration.ofMillis(250));
    assertThat(c.display().monitor()).isEqualTo("none");
  }

  @Test
  void underSudoTheGraceIsTheOnlyReadinessCheckAndDefaultsToASecond() {
    assertThat(TestEnv.config("USE_SUDO", "true").launch().startupGrace())
        .isEqualTo(Duration.ofSeconds(1));
    assertThat(TestEnv.config("USE_SUDO", "true", "STARTUP_GRACE", "0s").launch().startupGrace())
        .isEqualTo(Duration.ZERO);
  }

  // Control characters sit inside the values: the CSV source trims them off the ends.
  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(
      delimiter = '|',
      value = {
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
        "STARTUP_TIMEOUT|0s",
        "POWERDOWN_TIMEOUT|-1s",
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
        .hasMessage(
            "MANAGER_QEMU_MAX_MEMORY=\"2G\": expected at least MANAGER_QEMU_MEMORY_SIZE (4G)");
  }

  @Test
  void hostDataMustBeBase64OfThirtyTwoBytesWhenEnabled() {
    assertThat(
            TestEnv.config(
                    "ENABLE_SEV_SNP", "true", "ENABLE_HOST_DATA", "true", "HOST_DATA", HOST_DATA)
                .sevSnp()
                .hostData())
        .contains(HOST_DATA);
    for (String bad :
        new String[] {"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd", "not base64!", ""}) {
      assertThatThrownBy(
              () ->
                  TestEnv.config(
                      "ENABLE_SEV_SNP", "true", "ENABLE_HOST_DATA", "true", "HOST_DATA", bad))
          .as("HOST_DATA=%s", bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("MANAGER_QEMU_HOST_DATA=")
          .hasMessageContaining("base64 of 32 bytes");
    }
    assertThat(TestEnv.config("HOST_DATA", "not base64!").sevSnp().hostData()).isEmpty();
  }

  @Test
  void upstreamsCbitPosSpellingIsReadWhenItIsTheOnlyOne() {
    assertThat(TestEnv.config("SEV_SNP_CBIT_POS", "47").sevSnp().cbitPos()).isEqualTo(47);
    assertThat(TestEnv.config("SEV_SNP_CBIT_POS", "47", "SEV_SNP_CBITPOS", "48").sevSnp().cbitPos())
        .isEqualTo(48);
  }

  @Test
  void cpuDefaultsToHostForTdxOnly() {
    assertThat(TestEnv.config("ENABLE_TDX", "true").processor().cpu()).isEqualTo("host");
    assertThat(TestEnv.config("ENABLE_TDX", "true", "CPU", "SapphireRapids").processor().cpu())
        .isEqualTo("SapphireRapids");
    assertThat(TestEnv.config("ENABLE_SEV_SNP", "true").processor().cpu()).isEqualTo("EPYC");
  }

  @Test
  void diskBootIsOffByDefaultAndTakesUpstreamsDefaultsWhenOn() {
    assertThat(TestEnv.config().boot()).isInstanceOf(QemuConfig.KernelImages.class);

    QemuConfig c = TestEnv.config("ENABLE_DISK", "true");

    assertThat(c.boot())
        .isEqualTo(
            new QemuConfig.DiskImage(
                "img/enc_os.qcow2", "qcow2", "disk0", "scsi0", QemuConfig.DiskClone.OVERLAY));
    assertThat(c.boot().kernelCommandLine()).isEmpty();
    assertThat(c.warnings())
        .containsExactly(
            "MANAGER_QEMU_SRC_DISK_FILE=img/enc_os.qcow2 is not a readable file: QEMU will fail to start CVMs");
  }

  @Test
  void diskSettingsAreReadAndCheckedTogether() {
    QemuConfig copy =
        TestEnv.config(
            "ENABLE_DISK",
            "true",
            "DISK_CLONE",
            "copy",
            "DISK_FORMAT",
            "raw",
            "DST_DISK_FILE",
            "/tmp/cvmDisk.raw",
            "KERNEL_CMDLINE",
            "console=ttyS0");

    assertThat(((QemuConfig.DiskImage) copy.boot()).cloning()).isEqualTo(QemuConfig.DiskClone.COPY);
    assertThat(copy.warnings())
        .contains(
            "MANAGER_QEMU_DST_DISK_FILE is ignored: each CVM's disk is made in its own directory",
            "MANAGER_QEMU_KERNEL_CMDLINE is ignored while MANAGER_QEMU_ENABLE_DISK=true: the disk image carries the kernel");
    assertThatThrownBy(() -> TestEnv.config("ENABLE_DISK", "true", "DISK_FORMAT", "raw"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("MANAGER_QEMU_DISK_FORMAT=\"raw\"")
        .hasMessageContaining("MANAGER_QEMU_DISK_CLONE=copy");
    assertThatThrownBy(() -> TestEnv.config("DISK_CLONE", "snapshot"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("MANAGER_QEMU_DISK_CLONE=");
    assertThatThrownBy(() -> TestEnv.config("ENABLE_DISK", "true", "DISK_SCSI_ID", "scsi0,bus=x"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("MANAGER_QEMU_DISK_SCSI_ID=");
  }

  // ------------------------------------------------------------------ TEE choice

  private static final HostTees SNP_HOST = host(true, false);
  private static final HostTees TDX_HOST = host(false, true);

  private static HostTees host(boolean snp, boolean tdx) {
    return new HostTees(
        new HostTees.Support(snp, snp ? "detected" : "/proc/cpuinfo lacks sev_snp"),
        new HostTees.Support(tdx, tdx ? "detected" : "/proc/cpuinfo lacks tdx_host_platform"),
        new HostTees.Support(false, "/proc/cpuinfo lacks sev"),
        true,
        true);
  }

  private static QemuConfig on(HostTees host, String... env) {
    return QemuConfig.fromEnv(TestEnv.of(env), host, TestEnv.NO_GPU);
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
        .hasMessage(
            "MANAGER_QEMU_ENABLE_TDX=\"true\": expected false while MANAGER_QEMU_ENABLE_SEV_SNP=true: "
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
    assertThat(on(TestEnv.PLAIN_HOST, "ENABLE_SEV_SNP", "true").warnings())
        .containsExactly(
            "MANAGER_QEMU_ENABLE_SEV_SNP=true but this host has no SEV-SNP (/proc/cpuinfo lacks sev_snp): "
                + "QEMU will fail to start CVMs");
    assertThat(on(TestEnv.PLAIN_HOST, "ENABLE_TDX", "true").warnings())
        .singleElement()
        .asString()
        .startsWith(
            "MANAGER_QEMU_ENABLE_TDX=true but this host has no TDX (/proc/cpuinfo lacks tdx_host_platform)");
    assertThat(on(TestEnv.PLAIN_HOST, "ENABLE_SEV", "true").warnings())
        .singleElement()
        .asString()
        .startsWith(
            "MANAGER_QEMU_ENABLE_SEV=true but this host has no SEV (/proc/cpuinfo lacks sev)");
  }

  @Test
  void missingDevicesAreWarnedAboutUnlessTheirFeatureIsOff() {
    HostTees bare =
        new HostTees(
            TestEnv.PLAIN_HOST.sevSnp(),
            TestEnv.PLAIN_HOST.tdx(),
            TestEnv.PLAIN_HOST.sev(),
            false,
            false);

    assertThat(on(bare, "ENABLE_VSOCK", "true").warnings())
        .containsExactly(
            "MANAGER_QEMU_ENABLE_KVM=true but /dev/kvm is missing: QEMU will fail to start CVMs; "
                + "set MANAGER_QEMU_ENABLE_KVM=false to run them under TCG (slow)",
            "MANAGER_QEMU_ENABLE_VSOCK=true but /dev/vhost-vsock is missing: QEMU will fail to start CVMs; "
                + "set MANAGER_QEMU_ENABLE_VSOCK=false on this host");
    // vhost-vsock is off by default, so a host without /dev/vhost-vsock starts CVMs as configured.
    assertThat(on(bare, "ENABLE_KVM", "false").warnings()).isEmpty();
  }

  @Test
  void ignoredSettingsAreWarnedAbout() {
    assertThat(TestEnv.config("ENABLE_HOST_DATA", "true", "HOST_DATA", HOST_DATA).warnings())
        .containsExactly(
            "MANAGER_QEMU_ENABLE_HOST_DATA=true is ignored: host data is an SEV-SNP feature and the TEE is none");
    assertThat(TestEnv.config("HOST_DATA", HOST_DATA).warnings())
        .containsExactly(
            "MANAGER_QEMU_HOST_DATA is ignored while MANAGER_QEMU_ENABLE_HOST_DATA is false");
    assertThat(TestEnv.config("CERTS_MOUNT", "/tmp/c", "ENV_MOUNT", "/tmp/e").warnings())
        .containsExactly(
            "MANAGER_QEMU_CERTS_MOUNT is ignored: the manager gives each CVM its own share directory",
            "MANAGER_QEMU_ENV_MOUNT is ignored: the manager gives each CVM its own share directory");
  }

  @Test
  void aQemuBinaryThatIsNotThereIsWarnedAbout(@TempDir Path dir) throws Exception {
    Files.createFile(dir.resolve("qemu-system-x86_64")).toFile().setExecutable(true);

    assertThat(
            QemuConfig.fromEnv(
                    new Env(Map.of("PATH", "/nonexistent:" + dir)),
                    TestEnv.PLAIN_HOST,
                    TestEnv.NO_GPU)
                .warnings())
        .isEmpty();
    assertThat(
            QemuConfig.fromEnv(
                    new Env(Map.of("PATH", "/nonexistent")), TestEnv.PLAIN_HOST, TestEnv.NO_GPU)
                .warnings())
        .containsExactly(
            "MANAGER_QEMU_BIN_PATH=qemu-system-x86_64 is not an executable file on PATH: "
                + "QEMU will fail to start CVMs");
    assertThat(
            QemuConfig.fromEnv(
                    new Env(Map.of("MANAGER_QEMU_BIN_PATH", dir + "/nope")),
                    TestEnv.PLAIN_HOST,
                    TestEnv.NO_GPU)
                .warnings())
        .containsExactly(
            "MANAGER_QEMU_BIN_PATH="
                + dir
                + "/nope is not an executable file: "
                + "QEMU will fail to start CVMs");
  }
}
