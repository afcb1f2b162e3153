package io.cocos.manager.attestation.measure.igvm;

import io.cocos.manager.attestation.measure.LaunchDigest;

/**
 * A parsed IGVM variable header. {@code offset} is the file offset of its {@code type|length}
 * prefix; {@code type} is the type as stored (bit 31 = may be ignored).
 */
public sealed interface IgvmHeader {
  long offset();

  int type();

  /** The compatibility mask, for headers that have one; 0 otherwise. */
  default long compatibilityMask() {
    return 0;
  }

  /** 0x1 SUPPORTED_PLATFORM. */
  record SupportedPlatform(
      long offset,
      int type,
      long compatibilityMask,
      int highestVtl,
      int platformType,
      int platformVersion,
      long sharedGpaBoundary)
      implements IgvmHeader {}

  /** 0x101 GUEST_POLICY. */
  record GuestPolicy(long offset, int type, long policy, long compatibilityMask)
      implements IgvmHeader {}

  /**
   * Other known initialization headers (relocation, CoRIM, CCA policy): not used for measurement.
   */
  record OtherInitialization(long offset, int type, int length) implements IgvmHeader {}

  /** 0x301 PARAMETER_AREA. */
  record ParameterArea(long offset, int type, long numberOfBytes, long areaIndex, long fileOffset)
      implements IgvmHeader {}

  /** 0x302 PAGE_DATA. */
  record PageData(
      long offset,
      int type,
      long gpa,
      long compatibilityMask,
      long fileOffset,
      long flags,
      int dataType)
      implements IgvmHeader {
    public static final int FLAG_2MB = 1;
    public static final int FLAG_UNMEASURED = 2;
    public static final int FLAG_SHARED = 4;
    public static final int TYPE_NORMAL = 0;
    public static final int TYPE_SECRETS = 1;
    public static final int TYPE_CPUID_DATA = 2;
    public static final int TYPE_CPUID_XF = 3;

    public boolean is2Mb() {
      return (flags & FLAG_2MB) != 0;
    }

    public boolean unmeasured() {
      return (flags & FLAG_UNMEASURED) != 0;
    }

    public boolean shared() {
      return (flags & FLAG_SHARED) != 0;
    }

    /** 4 KiB, or 2 MiB with the 2 MiB flag. */
    public int pageSize() {
      return is2Mb() ? IgvmFile.PAGE_SIZE_2M : IgvmFile.PAGE_SIZE_4K;
    }

    public boolean hasData() {
      return fileOffset != 0;
    }
  }

  /** 0x303 PARAMETER_INSERT. */
  record ParameterInsert(long offset, int type, long gpa, long compatibilityMask, long areaIndex)
      implements IgvmHeader {}

  /**
   * 0x304 VP_CONTEXT. {@code platformType} is the platform its mask designates; for SEV-SNP and
   * SEV-ES the data is a 4 KiB VMSA at {@code fileOffset}.
   */
  record VpContext(
      long offset,
      int type,
      long gpa,
      long compatibilityMask,
      long fileOffset,
      int vpIndex,
      int platformType)
      implements IgvmHeader {}

  /** 0x305 REQUIRED_MEMORY. */
  record RequiredMemory(
      long offset, int type, long gpa, long compatibilityMask, long numberOfBytes, long flags)
      implements IgvmHeader {}

  /** 0x307-0x313 parameter usages (VP count, SRAT, MADT, memory map, command line, ...). */
  record Parameter(long offset, int type, long areaIndex, long byteOffset) implements IgvmHeader {}

  /** 0x30B SNP_ID_BLOCK: only the expected launch digest is kept. */
  record SnpIdBlock(long offset, int type, long compatibilityMask, LaunchDigest ld)
      implements IgvmHeader {}

  /** 0x30D ERROR_RANGE. */
  record ErrorRange(long offset, int type, long gpa, long compatibilityMask, long sizeBytes)
      implements IgvmHeader {}

  /** 0x311 VBS_MEASUREMENT (Hyper-V VBS; not used for SNP). */
  record VbsMeasurement(long offset, int type, long compatibilityMask) implements IgvmHeader {}

  /**
   * A header of a type this parser does not know, skipped because its "may be ignored" bit is set.
   */
  record Ignored(long offset, int type, int length) implements IgvmHeader {}
}
