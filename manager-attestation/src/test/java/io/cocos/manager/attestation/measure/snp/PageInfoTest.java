package io.cocos.manager.attestation.measure.snp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cocos.manager.attestation.measure.VmmType;
import io.cocos.manager.attestation.measure.util.Hashing;
import io.cocos.manager.attestation.measure.util.Le;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PageInfoTest {

  @Test
  void layoutMatchesTheFirmwareAbi() {
    byte[] ld = filled(48, 0x11);
    byte[] contents = filled(48, 0x22);
    byte[] info = PageInfo.encode(ld, contents, PageType.CPUID, 0x0123_4567_89AB_C000L);

    assertThat(info).hasSize(0x70);
    assertThat(Arrays.copyOfRange(info, 0x00, 0x30)).isEqualTo(ld);
    assertThat(Arrays.copyOfRange(info, 0x30, 0x60)).isEqualTo(contents);
    assertThat(Le.u16(info, 0x60)).isEqualTo(0x70); // LENGTH
    assertThat(info[0x62]).isEqualTo((byte) 6); // PAGE_TYPE
    assertThat(Arrays.copyOfRange(info, 0x63, 0x68))
        .containsOnly(0); // IMI, VMPL3..1 perms, reserved
    assertThat(Le.u64(info, 0x68)).isEqualTo(0x0123_4567_89AB_C000L); // GPA
  }

  @Test
  void pageTypeValues() {
    assertThat(PageType.NORMAL.value()).isEqualTo(1);
    assertThat(PageType.VMSA.value()).isEqualTo(2);
    assertThat(PageType.ZERO.value()).isEqualTo(3);
    assertThat(PageType.UNMEASURED.value()).isEqualTo(4);
    assertThat(PageType.SECRETS.value()).isEqualTo(5);
    assertThat(PageType.CPUID.value()).isEqualTo(6);
  }

  @Test
  void normalPagesChainInAscendingGpaOrder() {
    byte[] data = new byte[3 * 4096];
    new Random(1).nextBytes(data);
    SnpLaunchDigest ld = new SnpLaunchDigest();
    ld.updateNormalPages(0xFFC0_0000L, data);

    byte[] expected = new byte[48];
    for (int i = 0; i < 3; i++) {
      byte[] contents = Hashing.sha384().digest(Arrays.copyOfRange(data, i * 4096, (i + 1) * 4096));
      expected =
          Hashing.sha384()
              .digest(
                  PageInfo.encode(expected, contents, PageType.NORMAL, 0xFFC0_0000L + i * 4096L));
    }
    assertThat(ld.digest()).isEqualTo(expected);
    assertThat(ld.pagesMeasured()).isEqualTo(3);
  }

  @Test
  void contentlessPagesHaveZeroContents() {
    byte[] seed = filled(48, 0x5A);
    SnpLaunchDigest ld = new SnpLaunchDigest(seed);
    ld.updateZeroPages(0x800000, 0x2000);
    ld.updateUnmeasuredPages(0x900000, 0x1000);
    ld.updateSecretsPage(0xA00000);
    ld.updateCpuidPage(0xB00000);

    byte[] z = new byte[48];
    byte[] e = seed;
    e = Hashing.sha384().digest(PageInfo.encode(e, z, PageType.ZERO, 0x800000));
    e = Hashing.sha384().digest(PageInfo.encode(e, z, PageType.ZERO, 0x801000));
    e = Hashing.sha384().digest(PageInfo.encode(e, z, PageType.UNMEASURED, 0x900000));
    e = Hashing.sha384().digest(PageInfo.encode(e, z, PageType.SECRETS, 0xA00000));
    e = Hashing.sha384().digest(PageInfo.encode(e, z, PageType.CPUID, 0xB00000));
    assertThat(ld.digest()).isEqualTo(e);
  }

  @Test
  void vmsaPagesUseTheFixedGpa() {
    byte[] vmsa = Vmsa.ovmf(Vmsa.BSP_EIP, 1, 0x800F12, VmmType.QEMU);
    SnpLaunchDigest ld = new SnpLaunchDigest();
    ld.updateVmsaPage(vmsa);
    byte[] e =
        Hashing.sha384()
            .digest(
                PageInfo.encode(
                    new byte[48], Hashing.sha384().digest(vmsa), PageType.VMSA, 0xFFFFFFFFF000L));
    assertThat(ld.digest()).isEqualTo(e);
  }

  @Test
  void zeroFilledNormalPageHashesFourKibOfZeros() {
    SnpLaunchDigest a = new SnpLaunchDigest();
    a.updateNormalZeroFilledPage(0x1000);
    SnpLaunchDigest b = new SnpLaunchDigest();
    b.updateNormalPages(0x1000, new byte[4096]);
    assertThat(a.digest()).isEqualTo(b.digest());
  }

  @Test
  void rejectsPartialPagesAndBadSeeds() {
    SnpLaunchDigest ld = new SnpLaunchDigest();
    assertThatThrownBy(() -> ld.updateNormalPages(0, new byte[100]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ld.updateZeroPages(0, 4097))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SnpLaunchDigest(new byte[32]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static byte[] filled(int n, int v) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) v);
    return b;
  }
}
