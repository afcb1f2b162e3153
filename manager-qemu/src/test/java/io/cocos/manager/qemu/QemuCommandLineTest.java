package io.cocos.manager.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cocos.manager.core.vm.VmLaunchSpec;
import io.cocos.manager.qemu.args.Flag;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class QemuCommandLineTest {
  private static final String CVM_ID = "0b5e1c8e-8a3f-4d0e-9a51-5d2a3f8c1e77";

  private static VmLaunchSpec spec(String cvmId, Path workDir, Path certsDir, Path envDir) {
    return new VmLaunchSpec(
        cvmId, 6123, 7, workDir, certsDir, envDir, Path.of("/srv/cvm/console.log"));
  }

  private static VmLaunchSpec spec() {
    return spec(CVM_ID, Path.of("/srv/cvm/vm"), Path.of("/srv/cvm/certs"), Path.of("/srv/cvm/env"));
  }

  private static List<String> arguments(VmLaunchSpec spec, String... env) {
    return QemuCommandLine.of(TestEnv.config(env), spec).arguments();
  }

  /** The value that follows {@code option} for the n-th time (0-based). */
  private static String valueOf(List<String> args, String option, int occurrence) {
    int seen = 0;
    for (int i = 0; i < args.size() - 1; i++) {
      if (args.get(i).equals(option) && seen++ == occurrence) {
        return args.get(i + 1);
      }
    }
    throw new AssertionError(option + " #" + occurrence + " not in " + args);
  }

  @Test
  void kbsParametersAreAppendedToThisCvmsKernelLineOnly() {
    VmLaunchSpec withParams =
        new VmLaunchSpec(
            CVM_ID,
            6123,
            7,
            Path.of("/srv/cvm/vm"),
            Path.of("/srv/cvm/certs"),
            Path.of("/srv/cvm/env"),
            Path.of("/srv/cvm/console.log"),
            "protocol=http,type=kbs,url=http://10.0.2.2:8080");
    String[] env = {"KERNEL_CMDLINE", "quiet console=ttyS0"};

    assertThat(valueOf(arguments(withParams, env), "-append", 0))
        .isEqualTo(
            "quiet console=ttyS0 agent.aa_kbc_params=protocol=http,type=kbs,url=http://10.0.2.2:8080");
    assertThat(valueOf(arguments(spec(), env), "-append", 0)).isEqualTo("quiet console=ttyS0");
  }

  @Test
  void commasInShareDirectoriesAreDoubledSoThePathCannotAddAnOption() {
    VmLaunchSpec spec =
        spec(
            CVM_ID,
            Path.of("/srv/cvm/vm"),
            Path.of("/srv/a,readonly=on"),
            Path.of("/srv/env,security_model=none,id=evil"));

    List<String> args = arguments(spec);

    assertThat(valueOf(args, "-fsdev", 0))
        .isEqualTo("local,id=cert_fs,path=/srv/a,,readonly=on,security_model=mapped");
    assertThat(valueOf(args, "-fsdev", 1))
        .isEqualTo(
            "local,id=env_fs,path=/srv/env,,security_model=none,,id=evil,security_model=mapped");
  }

  @Test
  void commasInTheWorkDirectoryAreDoubledInTheVarsDriveButNotInTheCopysPath() {
    VmLaunchSpec spec = spec(CVM_ID, Path.of("/srv/x,unit=0"), Path.of("/c"), Path.of("/e"));

    QemuCommandLine commandLine = QemuCommandLine.of(TestEnv.config(), spec);

    assertThat(valueOf(commandLine.arguments(), "-drive", 1))
        .isEqualTo("if=pflash,format=raw,unit=1,file=/srv/x,,unit=0/OVMF_VARS-" + CVM_ID + ".fd");
    assertThat(commandLine.ovmfVarsCopy())
        .contains(Path.of("/srv/x,unit=0/OVMF_VARS-" + CVM_ID + ".fd"));
  }

  @Test
  void commasInConfiguredFilesAreDoubledInsideOptionsAndKeptInWholeArguments() {
    List<String> args =
        arguments(
            spec(),
            "OVMF_CODE_FILE",
            "/fw/code,1.fd",
            "VIRTIO_NET_PCI_ROMFILE",
            "/rom,s/e.rom",
            "DISK_IMG_KERNEL_FILE",
            "/img/bz,Image");
    List<String> snpArgs =
        arguments(spec(), "ENABLE_SEV_SNP", "true", "IGVM_FILE", "/igvm/a,b.igvm");

    assertThat(valueOf(args, "-drive", 0))
        .isEqualTo("if=pflash,format=raw,unit=0,file=/fw/code,,1.fd,readonly=on");
    assertThat(valueOf(args, "-device", 0)).endsWith(",romfile=/rom,,s/e.rom");
    assertThat(valueOf(args, "-kernel", 0)).isEqualTo("/img/bz,Image");
    assertThat(valueOf(snpArgs, "-object", 2)).isEqualTo("igvm-cfg,id=igvm0,file=/igvm/a,,b.igvm");
  }

  @Test
  void controlCharactersInPerCvmPathsAreRefused() {
    VmLaunchSpec newline =
        spec(CVM_ID, Path.of("/srv/vm"), Path.of("/srv/certs\n-S"), Path.of("/e"));

    assertThatThrownBy(() -> QemuCommandLine.of(TestEnv.config(), newline))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("9P share directory")
        .hasMessageContaining("/srv/certs\\x0a-S")
        .hasMessageContaining("control character");
  }

  @Test
  void cvmIdsThatCannotBePartOfAQemuIdAreRefused() {
    for (String bad : List.of("a,b", "a b", "", "a=b", "x\u0000")) {
      VmLaunchSpec spec = spec(bad, Path.of("/v"), Path.of("/c"), Path.of("/e"));

      assertThatThrownBy(() -> QemuCommandLine.of(TestEnv.config(), spec))
          .as("CVM id %s", bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("CVM id");
    }
  }

  @Test
  void vsockDeviceIsOptIn() {
    assertThat(arguments(spec())).noneMatch(a -> a.contains("vhost-vsock"));
    assertThat(arguments(spec(), "ENABLE_VSOCK", "true"))
        .contains("vhost-vsock-pci,id=vhost-vsock-pci0,guest-cid=7");
  }

  @Test
  void diskBootReplacesTheKernelWithThePerCvmDiskInItsWorkDirectory() {
    QemuCommandLine commandLine =
        QemuCommandLine.of(
            TestEnv.config("ENABLE_DISK", "true", "DISK_ID", "boot", "DISK_SCSI_ID", "scsi7"),
            spec());

    Path disk = Path.of("/srv/cvm/vm/disk-" + CVM_ID + ".qcow2");
    assertThat(commandLine.disk()).contains(disk);
    assertThat(commandLine.arguments())
        .doesNotContain("-kernel", "-append", "-initrd")
        .containsSubsequence(
            "-drive",
            "file=" + disk + ",if=none,id=boot,format=qcow2",
            "-device",
            "virtio-scsi-pci,id=scsi7,disable-legacy=on,iommu_platform=true",
            "-device",
            "scsi-hd,drive=boot,bus=scsi7.0");
    assertThat(QemuCommandLine.of(TestEnv.config(), spec()).disk()).isEmpty();
  }

  @Test
  void gpuSettingsNameTheRootPortBusAndWindow() {
    List<String> args =
        arguments(
            spec(),
            "GPU_BDF",
            "41:00.0",
            "GPU_PCIE_ROOT_PORT",
            "rp9",
            "GPU_PCIE_BUS",
            "pcie.1",
            "GPU_FW_CFG_MMIO_MB",
            "65536");

    assertThat(args)
        .containsSubsequence(
            "-device",
            "pcie-root-port,id=rp9,bus=pcie.1",
            "-device",
            "vfio-pci,host=41:00.0,bus=rp9",
            "-fw_cfg",
            "name=opt/ovmf/X-PciMmio64Mb,string=65536");
    assertThat(arguments(spec())).noneMatch(a -> a.contains("vfio") || a.contains("fw_cfg"));
  }

  @Test
  void kvmAndNographicAreFlagsOfTheirSettings() {
    List<String> args = arguments(spec(), "ENABLE_KVM", "false", "NO_GRAPHIC", "false");

    assertThat(args).doesNotContain("-enable-kvm", "-nographic");
    assertThat(args.get(0)).isEqualTo("-machine");
    assertThat(QemuCommandLine.of(TestEnv.config(), spec()).options().get(0))
        .isEqualTo(Flag.ENABLE_KVM);
  }

  @Test
  void sevSnpWithoutHostDataHasNoHostDataOption() {
    assertThat(valueOf(arguments(spec(), "ENABLE_SEV_SNP", "true"), "-object", 1))
        .isEqualTo("sev-snp-guest,id=sev0-" + CVM_ID + ",cbitpos=51,reduced-phys-bits=1");
  }

  @Test
  void perCvmValuesComeFromTheSpecAndTheConfiguredBaseIds() {
    List<String> args =
        arguments(
            spec(),
            "NETDEV_ID",
            "net",
            "GUEST_FWD_AGENT",
            "7100",
            "SMP_COUNT",
            "2",
            "SMP_MAXCPUS",
            "8",
            "MEMORY_SIZE",
            "4G",
            "KERNEL_CMDLINE",
            "console=ttyS0 panic=-1");

    assertThat(args)
        .containsSubsequence("-netdev", "user,id=net-" + CVM_ID + ",hostfwd=tcp::6123-:7100");
    assertThat(args).containsSubsequence("-smp", "2,maxcpus=8", "-m", "4G,slots=5,maxmem=30G");
    assertThat(args).containsSubsequence("-append", "console=ttyS0 panic=-1");
  }

  @Test
  void onlyPflashModesHaveAVarsCopy() {
    assertThat(QemuCommandLine.of(TestEnv.config(), spec()).ovmfVarsCopy())
        .contains(Path.of("/srv/cvm/vm/OVMF_VARS-" + CVM_ID + ".fd"));
    assertThat(QemuCommandLine.of(TestEnv.config("ENABLE_SEV", "true"), spec()).ovmfVarsCopy())
        .isPresent();
    assertThat(QemuCommandLine.of(TestEnv.config("ENABLE_SEV_SNP", "true"), spec()).ovmfVarsCopy())
        .isEmpty();
    assertThat(QemuCommandLine.of(TestEnv.config("ENABLE_TDX", "true"), spec()).ovmfVarsCopy())
        .isEmpty();
    assertThat(arguments(spec(), "ENABLE_TDX", "true")).doesNotContain("-drive");
  }

  @Test
  void sudoPrefixesTheCommandNonInteractively() {
    assertThat(
            QemuCommandLine.of(
                    TestEnv.config("USE_SUDO", "true", "BIN_PATH", "/usr/bin/qemu-system-x86_64"),
                    spec())
                .command())
        .startsWith("sudo", "-n", "/usr/bin/qemu-system-x86_64", "-enable-kvm");
    assertThat(QemuCommandLine.of(TestEnv.config(), spec()).command())
        .startsWith("qemu-system-x86_64", "-enable-kvm");
  }
}
