package io.cocos.manager.attestation.measure.snp;

import static org.assertj.core.api.Assertions.assertThat;

import io.cocos.manager.attestation.measure.VmmType;
import io.cocos.manager.attestation.measure.util.Le;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

class VmsaTest {

  /** Asserts a segment: selector, attrib, limit, base. */
  private static void seg(byte[] v, Vmsa.Segment s, int sel, int attrib, long limit, long base) {
    assertThat(Le.u16(v, s.offset)).as(s + " selector").isEqualTo(sel);
    assertThat(Le.u16(v, s.offset + 2)).as(s + " attrib").isEqualTo(attrib);
    assertThat(Le.u32(v, s.offset + 4)).as(s + " limit").isEqualTo(limit);
    assertThat(Le.u64(v, s.offset + 8)).as(s + " base").isEqualTo(base);
  }

  @Test
  void segmentOffsets() {
    assertThat(Vmsa.Segment.ES.offset).isEqualTo(0x00);
    assertThat(Vmsa.Segment.CS.offset).isEqualTo(0x10);
    assertThat(Vmsa.Segment.SS.offset).isEqualTo(0x20);
    assertThat(Vmsa.Segment.DS.offset).isEqualTo(0x30);
    assertThat(Vmsa.Segment.FS.offset).isEqualTo(0x40);
    assertThat(Vmsa.Segment.GS.offset).isEqualTo(0x50);
    assertThat(Vmsa.Segment.GDTR.offset).isEqualTo(0x60);
    assertThat(Vmsa.Segment.LDTR.offset).isEqualTo(0x70);
    assertThat(Vmsa.Segment.IDTR.offset).isEqualTo(0x80);
    assertThat(Vmsa.Segment.TR.offset).isEqualTo(0x90);
  }

  @Test
  void qemuBsp() {
    byte[] v = Vmsa.ovmf(Vmsa.BSP_EIP, 0x21, 0x800F12, VmmType.QEMU);
    assertThat(v).hasSize(4096);
    seg(v, Vmsa.Segment.ES, 0, 0x93, 0xFFFF, 0);
    seg(v, Vmsa.Segment.CS, 0xF000, 0x9B, 0xFFFF, 0xFFFF0000L);
    seg(v, Vmsa.Segment.SS, 0, 0x93, 0xFFFF, 0);
    seg(v, Vmsa.Segment.DS, 0, 0x93, 0xFFFF, 0);
    seg(v, Vmsa.Segment.FS, 0, 0x93, 0xFFFF, 0);
    seg(v, Vmsa.Segment.GS, 0, 0x93, 0xFFFF, 0);
    seg(v, Vmsa.Segment.GDTR, 0, 0, 0xFFFF, 0);
    seg(v, Vmsa.Segment.LDTR, 0, 0x82, 0xFFFF, 0);
    seg(v, Vmsa.Segment.IDTR, 0, 0, 0xFFFF, 0);
    seg(v, Vmsa.Segment.TR, 0, 0x8B, 0xFFFF, 0);
    assertThat(Le.u64(v, 0xD0)).isEqualTo(0x1000); // efer
    assertThat(Le.u64(v, 0x148)).isEqualTo(0x40); // cr4
    assertThat(Le.u64(v, 0x158)).isEqualTo(0x10); // cr0
    assertThat(Le.u64(v, 0x160)).isEqualTo(0x400); // dr7
    assertThat(Le.u64(v, 0x168)).isEqualTo(0xFFFF0FF0L); // dr6
    assertThat(Le.u64(v, 0x170)).isEqualTo(0x2); // rflags
    assertThat(Le.u64(v, 0x178)).isEqualTo(0xFFF0); // rip
    assertThat(Le.u64(v, 0x268)).isEqualTo(0x0007040600070406L); // g_pat
    assertThat(Le.u64(v, 0x310)).isEqualTo(0x800F12); // rdx
    assertThat(Le.u64(v, 0x3B0)).isEqualTo(0x21); // sev_features
    assertThat(Le.u64(v, 0x3E8)).isEqualTo(0x1); // xcr0
    assertThat(Le.u32(v, 0x408)).isEqualTo(0x1F80); // mxcsr
    assertThat(Le.u16(v, 0x410)).isEqualTo(0x37F); // x87 fcw
    assertOnlyFieldsSet(v);
  }

  @Test
  void qemuApUsesTheResetBlockEip() {
    byte[] v = Vmsa.ovmf(0x80B004, 0x1, 0x800F12, VmmType.QEMU);
    seg(v, Vmsa.Segment.CS, 0xF000, 0x9B, 0xFFFF, 0x800000);
    assertThat(Le.u64(v, 0x178)).isEqualTo(0xB004);
  }

  @Test
  void ec2() {
    byte[] bsp = Vmsa.ovmf(Vmsa.BSP_EIP, 0x1, 0x800F12, VmmType.EC2);
    byte[] ap = Vmsa.ovmf(0x80B004, 0x1, 0x800F12, VmmType.EC2);
    assertThat(Le.u16(bsp, 0x12)).isEqualTo(0x9A);
    assertThat(Le.u16(ap, 0x12)).isEqualTo(0x9B);
    for (byte[] v : new byte[][] {bsp, ap}) {
      assertThat(Le.u16(v, 0x22)).isEqualTo(0x92); // ss
      assertThat(Le.u16(v, 0x92)).isEqualTo(0x83); // tr
      assertThat(Le.u64(v, 0x310)).isEqualTo(0x600);
      assertThat(Le.u32(v, 0x408)).isEqualTo(0);
      assertThat(Le.u16(v, 0x410)).isEqualTo(0);
      assertThat(Le.u64(v, 0x268)).isEqualTo(0x0007040600070406L);
    }
  }

  @Test
  void gce() {
    byte[] v = Vmsa.ovmf(Vmsa.BSP_EIP, 0x1, 0x800F12, VmmType.GCE);
    assertThat(Le.u16(v, 0x12)).isEqualTo(0x9B);
    assertThat(Le.u16(v, 0x22)).isEqualTo(0x93);
    assertThat(Le.u16(v, 0x92)).isEqualTo(0x8B);
    assertThat(Le.u64(v, 0x268)).isEqualTo(0x00070106L);
    assertThat(Le.u64(v, 0x310)).isEqualTo(0x600);
    assertThat(Le.u32(v, 0x408)).isEqualTo(0);
    assertThat(Le.u16(v, 0x410)).isEqualTo(0);
  }

  @Test
  void svsm() {
    byte[] v = Vmsa.svsm(0xFFAEA000L, 0x800F12);
    seg(v, Vmsa.Segment.ES, 0x10, 0xC93, 0xFFFFFFFFL, 0);
    seg(v, Vmsa.Segment.CS, 0x08, 0xC9B, 0xFFFFFFFFL, 0);
    seg(v, Vmsa.Segment.SS, 0x10, 0xC93, 0xFFFFFFFFL, 0);
    seg(v, Vmsa.Segment.DS, 0x10, 0xC93, 0xFFFFFFFFL, 0);
    seg(v, Vmsa.Segment.FS, 0x10, 0xC93, 0xFFFFFFFFL, 0);
    seg(v, Vmsa.Segment.GS, 0, 0x93, 0xFFFF, 0);
    seg(v, Vmsa.Segment.GDTR, 0, 0, 0xFFFF, 0);
    seg(v, Vmsa.Segment.LDTR, 0, 0x82, 0xFFFF, 0);
    seg(v, Vmsa.Segment.IDTR, 0, 0, 0xFFFF, 0);
    seg(v, Vmsa.Segment.TR, 0, 0x8B, 0xFFFF, 0);
    assertThat(Le.u64(v, 0x158)).isEqualTo(0x11); // cr0
    assertThat(Le.u64(v, 0x178)).isEqualTo(0xFFAEA000L); // full rip
    assertThat(Le.u64(v, 0x3B0)).isEqualTo(0x1); // always SNPActive only
    assertThat(Le.u32(v, 0x408)).isEqualTo(0x1F80);
    assertThat(Le.u16(v, 0x410)).isEqualTo(0); // dropped by the reference, see Vmsa.svsm
    assertOnlyFieldsSet(v);
  }

  /** Nothing outside the documented fields is non-zero. */
  private static void assertOnlyFieldsSet(byte[] v) {
    BitSet allowed = new BitSet(4096);
    allowed.set(0x00, 0xA0); // segments
    for (int off :
        new int[] {0xD0, 0x148, 0x158, 0x160, 0x168, 0x170, 0x178, 0x268, 0x310, 0x3B0, 0x3E8}) {
      allowed.set(off, off + 8);
    }
    allowed.set(0x408, 0x40C);
    allowed.set(0x410, 0x412);
    for (int i = 0; i < v.length; i++) {
      if (!allowed.get(i)) {
        assertThat(v[i]).as("byte 0x%x", i).isZero();
      }
    }
  }
}
