package io.cocos.manager.attestation.measure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cocos.manager.attestation.measure.ovmf.EfiGuid;
import io.cocos.manager.attestation.measure.ovmf.FooterTable;
import io.cocos.manager.attestation.measure.ovmf.SyntheticFirmware;
import io.cocos.manager.attestation.measure.snp.PageInfo;
import io.cocos.manager.attestation.measure.snp.PageType;
import io.cocos.manager.attestation.measure.snp.SnpLaunchDigest;
import io.cocos.manager.attestation.measure.snp.Vmsa;
import io.cocos.manager.attestation.measure.util.Hashing;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LaunchDigestCalculatorTest {
  @TempDir Path tmp;

  private static SnpMeasurementRequest.Builder amdSev() {
    return SnpMeasurementRequest.builder()
        .ovmf(Fixtures.path("ovmf_AmdSev_suffix.bin"))
        .vcpuType("EPYC-v4");
  }

  /**
   * More of virtee/sev-snp-measure's tests/test_guest.py expectations (taken on hardware) that are
   * not rows of vectors.tsv: they exercise ec2 with 0x1, gce and SEV-ES with several vCPUs, and
   * SVSM with 4 vCPUs.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "test_snp_ec2_feature_snp_only|snp|1|ec2|ovmf_AmdSev_suffix.bin|true|0x1|"
            + "0883bd0eeb716e65b7b977a321c278d1e51b33b5c655fab985443bbcc65c086b9c15e8a0bd8811050dec7e24964e5056",
        "test_snp_gce_with_multiple_vcpus_default|snp|4|gce|ovmf_AmdSev_suffix.bin|true|0x1|"
            + "5c5debf100fc339f90276e761ee1f1658d08922c3b20e2a2e6c7a6c3370b2452a15a00eae11886a93d6fd1e7ab81e29d",
        "test_snp_with_multiple_vcpus_feature_snp_only|snp|4|QEMU|ovmf_AmdSev_suffix.bin|true|0x1|"
            + "5061fffb019493a903613d56d54b94912a1a2f9e4502385f5c194616753720a92441310ba6c4933de877c36e23046ad5",
        "test_snp_with_ovmfx64_without_kernel_feature_snp_only|snp|1|QEMU|ovmf_OvmfX64_suffix.bin|false|0x1|"
            + "da0296de8193586a5512078dcd719eccecbd87e2b825ad4148c44f665dc87df21e5b49e21523a9ad993afdb6a30b4005",
        "test_seves_with_multiple_vcpus|seves|4|QEMU|ovmf_AmdSev_suffix.bin|true|0x21|"
            + "0dccbcaba8e90b261bd0d2e1863a2f9da714768b7b2a19363cd6ae35aa90de91"
      })
  void moreUpstreamVectors(
      String name,
      String mode,
      int vcpus,
      String vmm,
      String ovmf,
      boolean kernel,
      String features,
      String expected)
      throws Exception {
    Path empty = Files.createFile(tmp.resolve("empty"));
    SnpMeasurementRequest.Builder b =
        SnpMeasurementRequest.builder()
            .mode(mode)
            .vcpus(vcpus)
            .vmmType(vmm)
            .ovmf(Fixtures.path(ovmf))
            .guestFeatures(Long.decode(features));
    if (!vmm.equals("gce")) {
      b.vcpuType("EPYC-v4");
    }
    if (kernel) {
      b.kernel(empty).initrd(empty).append("");
    }
    assertThat(LaunchDigestCalculator.calculate(b.build()).hex()).isEqualTo(expected);
  }

  @Test
  void svsmWithFourVcpus() throws Exception {
    SnpMeasurementRequest r =
        SnpMeasurementRequest.builder()
            .mode("snp:svsm")
            .vcpus(4)
            .vcpuType("EPYC-v4")
            .ovmf(Fixtures.path("svsm_ovmf.fd"))
            .svsm(Fixtures.path("svsm.bin"))
            .varsSize(540672L)
            .build();
    assertThat(LaunchDigestCalculator.calculate(r).hex())
        .isEqualTo(
            "27d154c27b7b359c935e250ec6fee72aa0ae8c1225e3b0e1cf46a9567e938066d7d6f94bbdc4a857818bdb79277a44b2");
  }

  @Test
  void svsmVarsFileGivesTheSize() throws Exception {
    Path vars = Files.write(tmp.resolve("vars.fd"), new byte[540672]);
    SnpMeasurementRequest r =
        SnpMeasurementRequest.builder()
            .mode("snp:svsm")
            .vcpus(2)
            .vcpuType("EPYC-v4")
            .ovmf(Fixtures.path("svsm_ovmf.fd"))
            .svsm(Fixtures.path("svsm.bin"))
            .varsFile(vars)
            .build();
    assertThat(LaunchDigestCalculator.calculate(r).hex()).startsWith("9b94745036aafddf");
  }

  @Test
  void vcpuSignatureBySigAndByFamilyGiveTheSameDigest() throws Exception {
    String byType = LaunchDigestCalculator.calculate(amdSev().mode("snp").vcpus(2).build()).hex();
    String bySig =
        LaunchDigestCalculator.calculate(
                amdSev()
                    .vcpuType(null)
                    .mode("snp")
                    .vcpus(2)
                    .vcpuSig(SnpMeasurementRequest.parseAutoBase("--vcpu-sig", "0x800f12"))
                    .build())
            .hex();
    String byFamily =
        LaunchDigestCalculator.calculate(
                amdSev()
                    .vcpuType(null)
                    .mode("snp")
                    .vcpus(2)
                    .vcpuFamily(23)
                    .vcpuModel(1)
                    .vcpuStepping(2)
                    .build())
            .hex();
    assertThat(bySig).isEqualTo(byType);
    assertThat(byFamily).isEqualTo(byType);
    String milan =
        LaunchDigestCalculator.calculate(
                amdSev().vcpuType("EPYC-Milan").mode("snp").vcpus(2).build())
            .hex();
    assertThat(milan).isNotEqualTo(byType);
  }

  @Test
  void ovmfHashModeThenPrecomputedHashGivesTheFullDigest() throws Exception {
    LaunchDigest ovmfHash =
        LaunchDigestCalculator.calculate(amdSev().mode("snp:ovmf-hash").build());
    String full = LaunchDigestCalculator.calculate(amdSev().mode("snp").vcpus(3).build()).hex();
    String seeded =
        LaunchDigestCalculator.calculate(
                amdSev().mode("snp").vcpus(3).snpOvmfHash(ovmfHash.hex()).build())
            .hex();
    assertThat(seeded).isEqualTo(full);
  }

  @Test
  void collectsVmsas() throws Exception {
    MeasurementResult r =
        LaunchDigestCalculator.calculateDetailed(
            amdSev().mode("snp").vcpus(3).guestFeatures(0x21).collectVmsas(true).build());
    assertThat(r.vmsaPages()).hasSize(3);
    assertThat(r.vmsaPages().get(0))
        .isEqualTo(Vmsa.ovmf(Vmsa.BSP_EIP, 0x21, 0x800F12, VmmType.QEMU));
    assertThat(r.vmsaPages().get(1)).isEqualTo(Vmsa.ovmf(0x80B004, 0x21, 0x800F12, VmmType.QEMU));
    assertThat(r.vmsaPages().get(2)).isEqualTo(r.vmsaPages().get(1));
    assertThat(
            LaunchDigestCalculator.calculateDetailed(amdSev().mode("snp").vcpus(3).build())
                .vmsaPages())
        .isEmpty();
    // SEV-ES VMSAs are built with SEV_FEATURES 0
    MeasurementResult es =
        LaunchDigestCalculator.calculateDetailed(
            amdSev().mode("seves").vcpus(1).guestFeatures(0x21).collectVmsas(true).build());
    assertThat(es.vmsaPages().get(0)).isEqualTo(Vmsa.ovmf(Vmsa.BSP_EIP, 0, 0x800F12, VmmType.QEMU));
    assertThat(es.digest().length()).isEqualTo(32);
  }

  @Test
  void qemuNeedsAVcpuSignatureWhenItBuildsVmsas() {
    assertThatThrownBy(
            () ->
                LaunchDigestCalculator.calculate(
                    amdSev().vcpuType(null).mode("snp").vcpus(1).build()))
        .isInstanceOf(MeasurementException.class)
        .hasMessage("missing --vcpu-type or --vcpu-sig or --vcpu-family in guest mode 'snp'");
  }

  @Test
  void missingFiles() {
    assertThatThrownBy(
            () ->
                LaunchDigestCalculator.calculate(
                    SnpMeasurementRequest.builder()
                        .mode("snp")
                        .vcpus(1)
                        .vcpuType("EPYC")
                        .ovmf(tmp.resolve("nope.fd"))
                        .build()))
        .isInstanceOf(MeasurementException.class)
        .hasMessage("OVMF file " + tmp.resolve("nope.fd") + " does not exist");
    assertThatThrownBy(
            () ->
                LaunchDigestCalculator.calculate(
                    amdSev().mode("snp").vcpus(1).kernel(tmp.resolve("vmlinuz")).build()))
        .isInstanceOf(MeasurementException.class)
        .hasMessage("kernel file " + tmp.resolve("vmlinuz") + " does not exist");
  }

  @Test
  void firmwareNotPageSized() throws Exception {
    Path odd = Files.write(tmp.resolve("odd.fd"), new byte[5000]);
    assertThatThrownBy(
            () ->
                LaunchDigestCalculator.calculate(
                    SnpMeasurementRequest.builder().mode("snp:ovmf-hash").ovmf(odd).build()))
        .isInstanceOf(FirmwareFormatException.class)
        .hasMessageEndingWith("is 5000 bytes, not a multiple of the 4096-byte page size");
    // SEV hashes any size, as the reference does
    assertThat(
            LaunchDigestCalculator.calculate(
                    SnpMeasurementRequest.builder().mode("sev").ovmf(odd).build())
                .bytes())
        .isEqualTo(Hashing.sha256().digest(new byte[5000]));
  }

  @Test
  void withoutResetBlockOnlyOneVcpu() throws Exception {
    Path fw = Files.write(tmp.resolve("fw.fd"), new SyntheticFirmware(1).build());
    SnpMeasurementRequest.Builder b =
        SnpMeasurementRequest.builder().mode("snp").vcpuType("EPYC").ovmf(fw);
    LaunchDigest one = LaunchDigestCalculator.calculate(b.vcpus(1).build());
    SnpLaunchDigest ld = new SnpLaunchDigest();
    ld.updateNormalPages(0xFFFFF000L, Files.readAllBytes(fw));
    ld.updateVmsaPage(Vmsa.ovmf(Vmsa.BSP_EIP, 1, 0x800F12, VmmType.QEMU));
    assertThat(one.bytes()).isEqualTo(ld.digest());
    assertThatThrownBy(() -> LaunchDigestCalculator.calculate(b.vcpus(2).build()))
        .isInstanceOf(FirmwareFormatException.class)
        .hasMessageEndingWith(
            "has no SEV-ES reset block (00f771de-1a7e-4fcb-890e-68c77e2fb44e), so it cannot start more than 1 vCPU");
  }

  @Test
  void ec2MeasuresCpuidPagesLastAndGceLeavesSecMemUnmeasured() throws Exception {
    byte[] img =
        new SyntheticFirmware(1)
            .u32Entry(FooterTable.SEV_ES_RESET_BLOCK_GUID, 0x80B004)
            .section(0x800000, 0x2000, 1)
            .section(0x802000, 0x1000, 3)
            .section(0x803000, 0x1000, 2)
            .build();
    Path fw = Files.write(tmp.resolve("fw.fd"), img);
    byte[] z = new byte[48];

    SnpLaunchDigest ec2 = new SnpLaunchDigest();
    ec2.updateNormalPages(0xFFFFF000L, img);
    ec2.updateZeroPages(0x800000, 0x2000);
    ec2.updateSecretsPage(0x803000);
    ec2.updateCpuidPage(0x802000);
    ec2.updateVmsaPage(Vmsa.ovmf(Vmsa.BSP_EIP, 1, 0, VmmType.EC2));
    assertThat(
            LaunchDigestCalculator.calculate(
                    SnpMeasurementRequest.builder()
                        .mode("snp")
                        .vcpus(1)
                        .vmmType("ec2")
                        .ovmf(fw)
                        .build())
                .bytes())
        .isEqualTo(ec2.digest());

    SnpLaunchDigest gce = new SnpLaunchDigest();
    gce.updateNormalPages(0xFFFFF000L, img);
    gce.updateUnmeasuredPages(0x800000, 0x2000);
    gce.updateCpuidPage(0x802000);
    gce.updateSecretsPage(0x803000);
    gce.updateVmsaPage(Vmsa.ovmf(Vmsa.BSP_EIP, 1, 0, VmmType.GCE));
    assertThat(
            LaunchDigestCalculator.calculate(
                    SnpMeasurementRequest.builder()
                        .mode("snp")
                        .vcpus(1)
                        .vmmType("gce")
                        .ovmf(fw)
                        .build())
                .bytes())
        .isEqualTo(gce.digest());
    assertThat(PageInfo.encode(z, z, PageType.ZERO, 0)).hasSize(0x70);
  }

  @Test
  void metadataErrors() throws Exception {
    assertMetadataError(
        new SyntheticFirmware(1).section(0x800000, 0x1000, 7),
        "unknown SEV metadata section type 0x7 in section #0 (type 0x7 at 0x800000, 0x1000 bytes)");
    assertMetadataError(
        new SyntheticFirmware(1).section(0x800000, 0x1800, 1),
        "size of section #0 (SNP_SEC_MEM at 0x800000, 0x1800 bytes) is not a multiple of 4096");
    assertMetadataError(
        new SyntheticFirmware(1).section(0x800000, 0x2000, 1).section(0x801000, 0x1000, 3),
        "SEV metadata section #1 (CPUID at 0x801000, 0x1000 bytes) overlaps section #0 (SNP_SEC_MEM at 0x800000, 0x2000 bytes)");
    assertMetadataError(
        new SyntheticFirmware(1).section(0xFFFFE000L, 0x2000, 1),
        "SEV metadata section #0 (SNP_SEC_MEM at 0xffffe000, 0x2000 bytes) overlaps the firmware image at 0xfffff000-0x100000000");
  }

  @Test
  void hugeSectionsAreBoundedByTheOverlapRule() throws Exception {
    // Many sections each claiming 4 GiB would be hours of hashing; they overlap, so they are
    // refused.
    SyntheticFirmware f = new SyntheticFirmware(2);
    for (int i = 0; i < 300; i++) {
      f.section(0, 0xFFFFF000L, 1);
    }
    long t0 = System.nanoTime();
    assertMetadataError(f, "overlaps");
    assertThat(System.nanoTime() - t0).isLessThan(2_000_000_000L);
  }

  @Test
  void kernelHashesNeedTheTableEntry() throws Exception {
    Path empty = Files.createFile(tmp.resolve("k"));
    Path fw =
        Files.write(
            tmp.resolve("fw.fd"), new SyntheticFirmware(1).section(0x810000, 0x1000, 0x10).build());
    assertThatThrownBy(
            () ->
                LaunchDigestCalculator.calculate(
                    SnpMeasurementRequest.builder()
                        .mode("snp")
                        .vcpus(1)
                        .vcpuType("EPYC")
                        .ovmf(fw)
                        .kernel(empty)
                        .build()))
        .isInstanceOf(FirmwareFormatException.class)
        .hasMessageContaining("has an SNP_KERNEL_HASHES section but no SEV hashes table entry");
    Path fw2 =
        Files.write(
            tmp.resolve("fw2.fd"),
            new SyntheticFirmware(1)
                .u32Entry(FooterTable.SEV_HASH_TABLE_RV_GUID, 0x810F80)
                .section(0x810000, 0x1000, 0x10)
                .build());
    assertThatThrownBy(
            () ->
                LaunchDigestCalculator.calculate(
                    SnpMeasurementRequest.builder()
                        .mode("snp")
                        .vcpus(1)
                        .vcpuType("EPYC")
                        .ovmf(fw2)
                        .kernel(empty)
                        .build()))
        .isInstanceOf(FirmwareFormatException.class)
        .hasMessageContaining("leaves no room for the table in its page");
    EfiGuid unused = FooterTable.SVSM_INFO_GUID;
    assertThat(unused.toString()).isEqualTo("a789a612-0597-4c4b-a49f-cbb1fe9d1ddd");
  }

  private void assertMetadataError(SyntheticFirmware f, String message) throws Exception {
    Path fw = Files.write(tmp.resolve("meta.fd"), f.build());
    assertThatThrownBy(
            () ->
                LaunchDigestCalculator.calculate(
                    SnpMeasurementRequest.builder()
                        .mode("snp")
                        .vcpus(1)
                        .vcpuType("EPYC")
                        .ovmf(fw)
                        .build()))
        .isInstanceOf(FirmwareFormatException.class)
        .hasMessageContaining(message);
  }
}
