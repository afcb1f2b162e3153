package io.cocos.manager.attestation.measure.igvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cocos.manager.attestation.measure.Fixtures;
import io.cocos.manager.attestation.measure.MeasurementException;
import io.cocos.manager.attestation.measure.igvm.IgvmHeader.PageData;
import io.cocos.manager.attestation.measure.snp.SnpLaunchDigest;
import io.cocos.manager.attestation.measure.util.Le;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IgvmMeasurerTest {
  private static final int MB2 = 2 * 1024 * 1024;

  private static IgvmMeasurement measure(byte[] file, IgvmMeasureOptions o)
      throws MeasurementException {
    return IgvmMeasurer.measure(IgvmFile.parse(file), o);
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void directivesInFileOrder() throws Exception {
    byte[] data = random(4096, 1);
    byte[] vmsa = random(4096, 2);
    Le.put64(vmsa, 0x158, 0x31); // CR0 as KVM sets it
    byte[] file =
        new IgvmBuilder()
            .snpPlatform()
            .platform(2, IgvmTypes.PLATFORM_TDX)
            .parameterArea(8192, 0)
            .parameter(IgvmTypes.VHT_VP_COUNT_PARAMETER, 0, 0)
            .pageData(0x5000, 1, data, 0, PageData.TYPE_NORMAL)
            .pageData(0x1000, 1, null, 0, PageData.TYPE_NORMAL)
            .pageData(0x7000, 2, data, 0, PageData.TYPE_NORMAL) // TDX only: skipped
            .pageData(0x2000, 3, null, PageData.FLAG_UNMEASURED, PageData.TYPE_NORMAL)
            .pageData(0x3000, 1, null, PageData.FLAG_SHARED, PageData.TYPE_SECRETS)
            .pageData(0x4000, 1, data, PageData.FLAG_UNMEASURED, PageData.TYPE_CPUID_DATA)
            .pageData(0x6000, 1, null, 0, PageData.TYPE_CPUID_XF)
            .parameterInsert(0x8000, 1, 0)
            .vpContext(0xFFFFFFFFF000L, 1, vmsa)
            .build();
    SnpLaunchDigest e = new SnpLaunchDigest();
    e.updateNormalPages(0x5000, data);
    e.updateNormalZeroFilledPage(0x1000);
    e.updateUnmeasuredPages(0x2000, 4096);
    e.updateSecretsPage(0x3000);
    e.updateCpuidPage(0x4000);
    e.updateCpuidPage(0x6000);
    e.updateUnmeasuredPages(0x8000, 4096); // one page, whatever the area size
    e.updateVmsaPage(vmsa);
    IgvmMeasurement m = measure(file, IgvmMeasureOptions.DEFAULT);
    assertThat(m.digest().bytes()).isEqualTo(e.digest());
    assertThat(m.pagesMeasured()).isEqualTo(8);
    assertThat(m.vmsaCount()).isEqualTo(1);
    assertThat(m.idBlockDigest()).isEmpty();
    // the check-kvm rules hold for this file
    assertThat(measure(file, IgvmMeasureOptions.DEFAULT.withCheckKvm(true))).isNotNull();
  }

  @Test
  void nativeZero() throws Exception {
    byte[] file = new IgvmBuilder().snpPlatform().pageData(0x1000, 1, null, 0, 0).build();
    SnpLaunchDigest e = new SnpLaunchDigest();
    e.updateZeroPages(0x1000, 4096);
    assertThat(measure(file, IgvmMeasureOptions.DEFAULT.withNativeZero(true)).digest().bytes())
        .isEqualTo(e.digest());
    assertThat(measure(file, IgvmMeasureOptions.DEFAULT).digest().bytes()).isNotEqualTo(e.digest());
  }

  @Test
  void twoMibPages() throws Exception {
    byte[] big = random(MB2, 3);
    byte[] file =
        new IgvmBuilder()
            .snpPlatform()
            .pageData(0x200000, 1, null, PageData.FLAG_2MB, 0)
            .pageData(0x400000, 1, big, PageData.FLAG_2MB, 0)
            .pageData(0x600000, 1, null, PageData.FLAG_2MB, PageData.TYPE_SECRETS)
            .build();
    SnpLaunchDigest e = new SnpLaunchDigest();
    for (int i = 0; i < 512; i++) {
      e.updateNormalZeroFilledPage(0x200000 + i * 4096L);
    }
    e.updateNormalPages(0x400000, big);
    for (int i = 0; i < 512; i++) {
      e.updateSecretsPage(0x600000 + i * 4096L);
    }
    IgvmMeasurement m = measure(file, IgvmMeasureOptions.DEFAULT);
    assertThat(m.digest().bytes()).isEqualTo(e.digest());
    assertThat(m.pagesMeasured()).isEqualTo(3 * 512);

    SnpLaunchDigest z = new SnpLaunchDigest();
    z.updateZeroPages(0x200000, MB2);
    z.updateNormalPages(0x400000, big);
    for (int i = 0; i < 512; i++) {
      z.updateSecretsPage(0x600000 + i * 4096L);
    }
    assertThat(measure(file, IgvmMeasureOptions.DEFAULT.withNativeZero(true)).digest().bytes())
        .isEqualTo(z.digest());
  }

  @Test
  void idBlock() throws Exception {
    byte[] data = random(4096, 4);
    SnpLaunchDigest e = new SnpLaunchDigest();
    e.updateNormalPages(0x1000, data);
    byte[] good =
        new IgvmBuilder()
            .snpPlatform()
            .pageData(0x1000, 1, data, 0, 0)
            .idBlock(1, e.digest())
            .build();
    IgvmMeasurement m = measure(good, IgvmMeasureOptions.DEFAULT);
    assertThat(m.idBlockMatches()).isTrue();

    byte[] wrong = new byte[48];
    byte[] bad =
        new IgvmBuilder().snpPlatform().pageData(0x1000, 1, data, 0, 0).idBlock(1, wrong).build();
    assertThatThrownBy(() -> measure(bad, IgvmMeasureOptions.DEFAULT))
        .isInstanceOfSatisfying(
            IdBlockMismatchException.class,
            x -> {
              assertThat(x.expected().bytes()).isEqualTo(wrong);
              assertThat(x.calculated().bytes()).isEqualTo(e.digest());
            })
        .hasMessage(
            "the IGVM file's SNP ID block expects launch digest "
                + "00".repeat(48)
                + " but the calculated launch digest is "
                + HexFormat.of().formatHex(e.digest()));
    IgvmMeasurement ignored = measure(bad, IgvmMeasureOptions.DEFAULT.withIgnoreIdBlock(true));
    assertThat(ignored.digest().bytes()).isEqualTo(e.digest());
    assertThat(ignored.idBlockMatches()).isFalse();

    // an ID block for another platform is not checked
    byte[] other =
        new IgvmBuilder()
            .snpPlatform()
            .platform(2, IgvmTypes.PLATFORM_TDX)
            .pageData(0x1000, 1, data, 0, 0)
            .idBlock(2, wrong)
            .build();
    assertThat(measure(other, IgvmMeasureOptions.DEFAULT).idBlockDigest()).isEmpty();
  }

  @Test
  void kvmChecks() throws Exception {
    byte[] vmsa = new byte[4096];
    Le.put64(vmsa, 0x158, 0x31);
    assertKvm(
        new IgvmBuilder().snpPlatform().vpContext(0x803000, 1, vmsa).build(),
        "KVM check failed: the VMSA GPA is 0x803000, but KVM always places it at 0xfffffffff000");
    byte[] cr0 = new byte[4096];
    Le.put64(cr0, 0x158, 0x11);
    assertKvm(
        new IgvmBuilder().snpPlatform().vpContext(0xFFFFFFFFF000L, 1, cr0).build(),
        "KVM check failed: CR0 in the VMSA is 0x11");
    assertKvm(
        new IgvmBuilder()
            .snpPlatform()
            .parameterArea(4096, 0)
            .vpContext(0xFFFFFFFFF000L, 1, vmsa)
            .parameterInsert(0x1000, 1, 0)
            .build(),
        "KVM check failed: the VMSA must be the last page directive");
    assertKvm(
        new IgvmBuilder()
            .snpPlatform()
            .vpContext(0xFFFFFFFFF000L, 1, vmsa)
            .vpContext(0xFFFFFFFFF000L, 1, vmsa)
            .build(),
        "KVM check failed: more than one VMSA");
    // the fixtures place their VMSA at 0x803000, which QEMU/KVM would not honour
    assertThatThrownBy(
            () ->
                IgvmMeasurer.measure(
                    Fixtures.path("igvm/test_bzImage_x64.igvm"),
                    IgvmMeasureOptions.DEFAULT.withCheckKvm(true)))
        .hasMessageContaining("the VMSA GPA is 0x803000");
  }

  private static void assertKvm(byte[] file, String message) {
    assertThatThrownBy(() -> measure(file, IgvmMeasureOptions.DEFAULT.withCheckKvm(true)))
        .isInstanceOf(MeasurementException.class)
        .hasMessageStartingWith(message);
  }
}
