package io.cocos.manager.attestation.measure.igvm;

import static io.cocos.manager.attestation.measure.igvm.IgvmFile.PAGE_SIZE_4K;
import static io.cocos.manager.attestation.measure.igvm.IgvmHeaderChecks.at;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.PLATFORM_CCA;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.PLATFORM_SEV_ES;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.PLATFORM_SEV_SNP;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.VHT_CCA_POLICY;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.VHT_COMMAND_LINE;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.VHT_CORIM_DOCUMENT;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.VHT_CORIM_SIGNATURE;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.VHT_DEVICE_TREE;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.VHT_ENVIRONMENT_INFO;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.VHT_ERROR_RANGE;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.VHT_GUEST_POLICY;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.VHT_MADT;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.VHT_MEMORY_MAP;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.VHT_MMIO_RANGES;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.VHT_PAGE_DATA;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.VHT_PAGE_TABLE_RELOCATION_REGION;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.VHT_PARAMETER_AREA;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.VHT_PARAMETER_INSERT;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.VHT_PPTT;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.VHT_RELOCATABLE_REGION;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.VHT_REQUIRED_MEMORY;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.VHT_SLIT;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.VHT_SNP_ID_BLOCK;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.VHT_SRAT;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.VHT_SUPPORTED_PLATFORM;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.VHT_VBS_MEASUREMENT;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.VHT_VP_CONTEXT;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.VHT_VP_COUNT_PARAMETER;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.hex;

import io.cocos.manager.attestation.measure.LaunchDigest;
import io.cocos.manager.attestation.measure.igvm.IgvmHeader.ErrorRange;
import io.cocos.manager.attestation.measure.igvm.IgvmHeader.GuestPolicy;
import io.cocos.manager.attestation.measure.igvm.IgvmHeader.OtherInitialization;
import io.cocos.manager.attestation.measure.igvm.IgvmHeader.PageData;
import io.cocos.manager.attestation.measure.igvm.IgvmHeader.Parameter;
import io.cocos.manager.attestation.measure.igvm.IgvmHeader.ParameterArea;
import io.cocos.manager.attestation.measure.igvm.IgvmHeader.ParameterInsert;
import io.cocos.manager.attestation.measure.igvm.IgvmHeader.RequiredMemory;
import io.cocos.manager.attestation.measure.igvm.IgvmHeader.SnpIdBlock;
import io.cocos.manager.attestation.measure.igvm.IgvmHeader.SupportedPlatform;
import io.cocos.manager.attestation.measure.igvm.IgvmHeader.VbsMeasurement;
import io.cocos.manager.attestation.measure.igvm.IgvmHeader.VpContext;
import io.cocos.manager.attestation.measure.util.Le;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The fields of each known variable header type, read from the file and checked, and what the
 * headers of one file must agree on: one platform per type and per compatibility mask, parameter
 * areas declared once and inserted once.
 */
final class IgvmHeaderDecoder {
  private static final int SIZE_SUPPORTED_PLATFORM = 16;
  private static final int SIZE_GUEST_POLICY = 16;
  private static final int SIZE_PARAMETER_AREA = 16;
  private static final int SIZE_PAGE_DATA = 24;
  private static final int SIZE_PARAMETER_INSERT = 16;
  private static final int SIZE_VP_CONTEXT = 20;
  private static final int SIZE_REQUIRED_MEMORY = 24;
  private static final int SIZE_PARAMETER = 8;
  private static final int SIZE_SNP_ID_BLOCK = 696;
  private static final int SIZE_ERROR_RANGE = 16;
  private static final int SIZE_VBS_MEASUREMENT = 864;
  private static final int SNP_ID_BLOCK_LD_OFFSET = 8;

  private final byte[] d;
  private final IgvmHeaderChecks check;

  /** compatibility mask -> platform type. */
  private final Map<Long, Integer> maskToPlatform = new HashMap<>();

  /** parameter area index -> true once inserted. */
  private final Map<Long, Boolean> parameterAreas = new HashMap<>();

  /**
   * @param d the file
   * @param dataStart where its file data section starts
   */
  IgvmHeaderDecoder(byte[] d, long dataStart) {
    this.d = d;
    this.check = new IgvmHeaderChecks(d.length, dataStart);
  }

  /**
   * Decodes a known header; null if the type is not known.
   *
   * @param pos the header's offset
   * @param type its type as stored
   * @param base its type without the optional bit
   * @param length its length as stored
   * @param b the offset of its body
   */
  IgvmHeader decode(int pos, int type, int base, int length, int b) throws IgvmFormatException {
    switch (base) {
      case VHT_SUPPORTED_PLATFORM:
        {
          check.expect(pos, type, length, SIZE_SUPPORTED_PLATFORM);
          SupportedPlatform p =
              new SupportedPlatform(
                  pos,
                  type,
                  Le.u32(d, b),
                  Le.u8(d, b + 4),
                  Le.u8(d, b + 5),
                  Le.u16(d, b + 6),
                  Le.u64(d, b + 8));
          validatePlatform(p);
          return p;
        }
      case VHT_GUEST_POLICY:
        {
          check.expect(pos, type, length, SIZE_GUEST_POLICY);
          check.reservedZero(pos, type, Le.u32(d, b + 12));
          return new GuestPolicy(pos, type, Le.u64(d, b), Le.u32(d, b + 8));
        }
      case VHT_RELOCATABLE_REGION:
      case VHT_PAGE_TABLE_RELOCATION_REGION:
      case VHT_CORIM_DOCUMENT:
      case VHT_CORIM_SIGNATURE:
      case VHT_CCA_POLICY:
        return new OtherInitialization(pos, type, length);
      case VHT_PARAMETER_AREA:
        {
          check.expect(pos, type, length, SIZE_PARAMETER_AREA);
          ParameterArea a =
              new ParameterArea(pos, type, Le.u64(d, b), Le.u32(d, b + 8), Le.u32(d, b + 12));
          if (Long.remainderUnsigned(a.numberOfBytes(), PAGE_SIZE_4K) != 0) {
            throw at(
                pos,
                type,
                "area size " + Long.toUnsignedString(a.numberOfBytes()) + " is not page aligned");
          }
          if (a.fileOffset() != 0) {
            check.fileData(pos, type, a.fileOffset(), a.numberOfBytes());
          }
          if (parameterAreas.putIfAbsent(a.areaIndex(), Boolean.FALSE) != null) {
            throw at(pos, type, "parameter area index " + a.areaIndex() + " is declared twice");
          }
          return a;
        }
      case VHT_PAGE_DATA:
        {
          check.expect(pos, type, length, SIZE_PAGE_DATA);
          PageData p =
              new PageData(
                  pos,
                  type,
                  Le.u64(d, b),
                  Le.u32(d, b + 8),
                  Le.u32(d, b + 12),
                  Le.u32(d, b + 16),
                  Le.u16(d, b + 20));
          check.reservedZero(pos, type, Le.u16(d, b + 22));
          check.aligned(pos, type, p.gpa(), p.pageSize());
          check.noWrap(pos, type, p.gpa(), p.pageSize());
          if (p.dataType() > PageData.TYPE_CPUID_XF) {
            throw at(pos, type, "unknown page data type " + p.dataType());
          }
          if (p.hasData()) {
            check.fileData(pos, type, p.fileOffset(), p.pageSize());
          }
          return p;
        }
      case VHT_PARAMETER_INSERT:
        {
          check.expect(pos, type, length, SIZE_PARAMETER_INSERT);
          ParameterInsert p =
              new ParameterInsert(pos, type, Le.u64(d, b), Le.u32(d, b + 8), Le.u32(d, b + 12));
          check.aligned(pos, type, p.gpa(), PAGE_SIZE_4K);
          check.noWrap(pos, type, p.gpa(), PAGE_SIZE_4K);
          requireUninsertedArea(pos, type, p.areaIndex());
          parameterAreas.put(p.areaIndex(), Boolean.TRUE);
          return p;
        }
      case VHT_VP_CONTEXT:
        {
          check.expect(pos, type, length, SIZE_VP_CONTEXT);
          long mask = Le.u32(d, b + 8);
          Integer platform = maskToPlatform.get(mask);
          if (platform == null) {
            throw at(
                pos,
                type,
                "compatibility mask " + hex(mask) + " designates no single supported platform");
          }
          VpContext v =
              new VpContext(
                  pos, type, Le.u64(d, b), mask, Le.u32(d, b + 12), Le.u16(d, b + 16), platform);
          check.reservedZero(pos, type, Le.u16(d, b + 18));
          if (platform == PLATFORM_SEV_SNP || platform == PLATFORM_SEV_ES) {
            check.aligned(pos, type, v.gpa(), PAGE_SIZE_4K);
            check.noWrap(pos, type, v.gpa(), PAGE_SIZE_4K);
            check.fileData(pos, type, v.fileOffset(), PAGE_SIZE_4K);
          }
          return v;
        }
      case VHT_REQUIRED_MEMORY:
        {
          check.expect(pos, type, length, SIZE_REQUIRED_MEMORY);
          RequiredMemory r =
              new RequiredMemory(
                  pos, type, Le.u64(d, b), Le.u32(d, b + 8), Le.u32(d, b + 12), Le.u32(d, b + 16));
          check.reservedZero(pos, type, Le.u32(d, b + 20));
          check.aligned(pos, type, r.gpa(), PAGE_SIZE_4K);
          if (r.numberOfBytes() % PAGE_SIZE_4K != 0) {
            throw at(pos, type, "size " + r.numberOfBytes() + " is not page aligned");
          }
          return r;
        }
      case VHT_VP_COUNT_PARAMETER:
      case VHT_SRAT:
      case VHT_MADT:
      case VHT_MMIO_RANGES:
      case VHT_MEMORY_MAP:
      case VHT_COMMAND_LINE:
      case VHT_SLIT:
      case VHT_PPTT:
      case VHT_DEVICE_TREE:
      case VHT_ENVIRONMENT_INFO:
        {
          check.expect(pos, type, length, SIZE_PARAMETER);
          Parameter p = new Parameter(pos, type, Le.u32(d, b), Le.u32(d, b + 4));
          requireUninsertedArea(pos, type, p.areaIndex());
          return p;
        }
      case VHT_SNP_ID_BLOCK:
        {
          check.expect(pos, type, length, SIZE_SNP_ID_BLOCK);
          byte[] ld =
              Arrays.copyOfRange(d, b + SNP_ID_BLOCK_LD_OFFSET, b + SNP_ID_BLOCK_LD_OFFSET + 48);
          return new SnpIdBlock(pos, type, Le.u32(d, b), LaunchDigest.of(ld));
        }
      case VHT_ERROR_RANGE:
        {
          check.expect(pos, type, length, SIZE_ERROR_RANGE);
          ErrorRange e =
              new ErrorRange(pos, type, Le.u64(d, b), Le.u32(d, b + 8), Le.u32(d, b + 12));
          check.aligned(pos, type, e.gpa(), PAGE_SIZE_4K);
          return e;
        }
      case VHT_VBS_MEASUREMENT:
        {
          check.expect(pos, type, length, SIZE_VBS_MEASUREMENT);
          return new VbsMeasurement(pos, type, Le.u32(d, b));
        }
      default:
        return null;
    }
  }

  /** A parameter area that a header fills in must be declared and not yet inserted. */
  private void requireUninsertedArea(int pos, int type, long areaIndex) throws IgvmFormatException {
    Boolean inserted = parameterAreas.get(areaIndex);
    if (inserted == null || inserted) {
      throw at(
          pos,
          type,
          "parameter area index "
              + areaIndex
              + (inserted == null ? " was not declared" : " was already inserted"));
    }
  }

  private void validatePlatform(SupportedPlatform p) throws IgvmFormatException {
    long pos = p.offset();
    int type = p.type();
    if (Long.bitCount(p.compatibilityMask()) != 1) {
      throw at(
          pos,
          type,
          "compatibility mask " + hex(p.compatibilityMask()) + " must have exactly one bit set");
    }
    if (p.highestVtl() != 0 && p.highestVtl() != 2) {
      throw at(pos, type, "highest VTL " + p.highestVtl() + " is neither 0 nor 2");
    }
    if (p.platformType() > PLATFORM_CCA) {
      throw at(pos, type, "unknown platform type " + p.platformType());
    }
    if (p.platformVersion() != 1) {
      throw at(pos, type, "unsupported platform version " + p.platformVersion());
    }
    // Every platform declared so far is in the map: a duplicate type fails here, before its mask.
    if (maskToPlatform.containsValue(p.platformType())) {
      throw at(pos, type, "platform type " + p.platformType() + " is declared twice");
    }
    if (maskToPlatform.putIfAbsent(p.compatibilityMask(), p.platformType()) != null) {
      throw at(
          pos,
          type,
          "compatibility mask " + hex(p.compatibilityMask()) + " is used by two platforms");
    }
  }
}
