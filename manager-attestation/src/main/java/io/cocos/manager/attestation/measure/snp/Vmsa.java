package io.cocos.manager.attestation.measure.snp;

import io.cocos.manager.attestation.measure.VmmType;
import io.cocos.manager.attestation.measure.util.Le;

/**
 * A VMSA (SEV-ES save area) page as the hypervisor creates it at launch: 4096 bytes, zero except
 * the fields set here. Field offsets follow AMD APM vol. 2 table B-4 (struct sev_es_save_area).
 */
public final class Vmsa {
  public static final int SIZE = 4096;

  /** VMCB segment registers: {@code u16 selector | u16 attrib | u32 limit | u64 base}. */
  public enum Segment {
    ES(0x00),
    CS(0x10),
    SS(0x20),
    DS(0x30),
    FS(0x40),
    GS(0x50),
    GDTR(0x60),
    LDTR(0x70),
    IDTR(0x80),
    TR(0x90);

    public final int offset;

    Segment(int offset) {
      this.offset = offset;
    }
  }

  public static final int OFF_EFER = 0xD0;
  public static final int OFF_CR4 = 0x148;
  public static final int OFF_CR0 = 0x158;
  public static final int OFF_DR7 = 0x160;
  public static final int OFF_DR6 = 0x168;
  public static final int OFF_RFLAGS = 0x170;
  public static final int OFF_RIP = 0x178;
  public static final int OFF_G_PAT = 0x268;
  public static final int OFF_RDX = 0x310;
  public static final int OFF_SEV_FEATURES = 0x3B0;
  public static final int OFF_XCR0 = 0x3E8;
  public static final int OFF_MXCSR = 0x408; // u32
  public static final int OFF_X87_FCW = 0x410; // u16

  /** Reset-vector EIP of the bootstrap processor. */
  public static final long BSP_EIP = 0xFFFFFFF0L;

  /** PAT MSR power-on value (AMD APM vol. 2, A.3). */
  public static final long DEFAULT_G_PAT = 0x0007040600070406L;

  /** PAT value the GCE hypervisor writes instead. */
  public static final long GCE_G_PAT = 0x00070106L;

  private final byte[] page = new byte[SIZE];

  public Vmsa segment(Segment seg, int selector, int attrib, long limit, long base) {
    Le.put16(page, seg.offset, selector);
    Le.put16(page, seg.offset + 2, attrib);
    Le.put32(page, seg.offset + 4, limit);
    Le.put64(page, seg.offset + 8, base);
    return this;
  }

  public Vmsa u64(int offset, long value) {
    Le.put64(page, offset, value);
    return this;
  }

  public Vmsa u32(int offset, long value) {
    Le.put32(page, offset, value);
    return this;
  }

  public Vmsa u16(int offset, int value) {
    Le.put16(page, offset, value);
    return this;
  }

  /** The page (a copy). */
  public byte[] toBytes() {
    return page.clone();
  }

  /**
   * The VMSA of an OVMF guest's vCPU (sev-snp-measure's {@code VMSA.build_save_area}).
   *
   * @param eip {@link #BSP_EIP} for the BSP, the SEV-ES reset block's AP EIP for the others
   * @param sevFeatures SEV_FEATURES (the guest features for SNP, 0 for SEV-ES)
   * @param vcpuSig CPUID 1 EAX, loaded into RDX by QEMU (ignored for ec2/gce, which load 0x600)
   */
  public static byte[] ovmf(long eip, long sevFeatures, long vcpuSig, VmmType vmm) {
    int csFlags = 0x9B;
    int ssFlags = 0x93;
    int trFlags = 0x8B;
    long gPat = DEFAULT_G_PAT;
    long rdx;
    long mxcsr;
    int fcw;
    switch (vmm) {
      case QEMU:
        rdx = vcpuSig;
        mxcsr = 0x1F80;
        fcw = 0x37F;
        break;
      case EC2:
        if (eip == BSP_EIP) {
          csFlags = 0x9A;
        }
        ssFlags = 0x92;
        trFlags = 0x83;
        rdx = 0x600;
        mxcsr = 0;
        fcw = 0;
        break;
      case GCE:
        gPat = GCE_G_PAT;
        rdx = 0x600;
        mxcsr = 0;
        fcw = 0;
        break;
      default:
        throw new IllegalArgumentException("unknown VMM type " + vmm);
    }
    return new Vmsa()
        .segment(Segment.ES, 0, 0x93, 0xFFFF, 0)
        .segment(Segment.CS, 0xF000, csFlags, 0xFFFF, eip & 0xFFFF0000L)
        .segment(Segment.SS, 0, ssFlags, 0xFFFF, 0)
        .segment(Segment.DS, 0, 0x93, 0xFFFF, 0)
        .segment(Segment.FS, 0, 0x93, 0xFFFF, 0)
        .segment(Segment.GS, 0, 0x93, 0xFFFF, 0)
        .segment(Segment.GDTR, 0, 0, 0xFFFF, 0)
        .segment(Segment.IDTR, 0, 0, 0xFFFF, 0)
        .segment(Segment.LDTR, 0, 0x82, 0xFFFF, 0)
        .segment(Segment.TR, 0, trFlags, 0xFFFF, 0)
        .u64(OFF_EFER, 0x1000) // KVM sets EFER.SVME
        .u64(OFF_CR4, 0x40) // KVM sets CR4.MCE
        .u64(OFF_CR0, 0x10)
        .u64(OFF_DR7, 0x400)
        .u64(OFF_DR6, 0xFFFF0FF0L)
        .u64(OFF_RFLAGS, 0x2)
        .u64(OFF_RIP, eip & 0xFFFF)
        .u64(OFF_G_PAT, gPat)
        .u64(OFF_RDX, rdx)
        .u64(OFF_SEV_FEATURES, sevFeatures)
        .u64(OFF_XCR0, 0x1)
        .u32(OFF_MXCSR, mxcsr)
        .u16(OFF_X87_FCW, fcw)
        .page;
  }

  /**
   * The VMSA QEMU gives every vCPU of a COCONUT-SVSM guest (sev-snp-measure's {@code VMSA_SVSM},
   * QEMU flavour). x87 FCW stays 0: the reference passes it under a misspelt name that ctypes
   * drops, and the published (hardware-taken) digests depend on that.
   */
  public static byte[] svsm(long rip, long vcpuSig) {
    return new Vmsa()
        .segment(Segment.ES, 0x10, 0xC93, 0xFFFFFFFFL, 0)
        .segment(Segment.CS, 0x08, 0xC9B, 0xFFFFFFFFL, 0)
        .segment(Segment.SS, 0x10, 0xC93, 0xFFFFFFFFL, 0)
        .segment(Segment.DS, 0x10, 0xC93, 0xFFFFFFFFL, 0)
        .segment(Segment.FS, 0x10, 0xC93, 0xFFFFFFFFL, 0)
        .segment(Segment.GS, 0, 0x93, 0xFFFF, 0)
        .segment(Segment.GDTR, 0, 0, 0xFFFF, 0)
        .segment(Segment.IDTR, 0, 0, 0xFFFF, 0)
        .segment(Segment.LDTR, 0, 0x82, 0xFFFF, 0)
        .segment(Segment.TR, 0, 0x8B, 0xFFFF, 0)
        .u64(OFF_EFER, 0x1000)
        .u64(OFF_CR4, 0x40)
        .u64(OFF_CR0, 0x11)
        .u64(OFF_DR7, 0x400)
        .u64(OFF_DR6, 0xFFFF0FF0L)
        .u64(OFF_RFLAGS, 0x2)
        .u64(OFF_RIP, rip)
        .u64(OFF_G_PAT, DEFAULT_G_PAT)
        .u64(OFF_RDX, vcpuSig)
        .u64(OFF_SEV_FEATURES, 0x1)
        .u64(OFF_XCR0, 0x1)
        .u32(OFF_MXCSR, 0x1F80)
        .page;
  }
}
