package io.cocos.manager.attestation.measure.igvm;

import io.cocos.manager.attestation.measure.LaunchDigest;
import io.cocos.manager.attestation.measure.MeasurementException;
import io.cocos.manager.attestation.measure.igvm.IgvmHeader.ErrorRange;
import io.cocos.manager.attestation.measure.igvm.IgvmHeader.GuestPolicy;
import io.cocos.manager.attestation.measure.igvm.IgvmHeader.Ignored;
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
import io.cocos.manager.attestation.measure.util.BoundedFiles;
import io.cocos.manager.attestation.measure.util.Le;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * An IGVM file (format version 1, as defined by microsoft/igvm's igvm_defs), parsed and validated.
 * Page data stays in the file buffer and is read in place by the measurement.
 *
 * <p>Every length, offset and count is checked against the actual file before it is used, so
 * malformed input fails with an {@link IgvmFormatException} naming the offending offset.
 */
public final class IgvmFile {
  public static final long MAGIC = 0x4D564749L; // "IGVM"
  public static final int FORMAT_VERSION_1 = 1;
  public static final int FIXED_HEADER_SIZE = 24;
  public static final int VARIABLE_HEADER_PREFIX = 8;
  public static final int OPTIONAL_BIT = 0x8000_0000;
  public static final int PAGE_SIZE_4K = 4096;
  public static final int PAGE_SIZE_2M = 2 * 1024 * 1024;

  /** Largest file accepted by {@link #read(Path)}. */
  public static final long MAX_FILE_SIZE = 1L << 30;

  // Variable header types.
  public static final int VHT_SUPPORTED_PLATFORM = 0x1;
  public static final int VHT_GUEST_POLICY = 0x101;
  public static final int VHT_RELOCATABLE_REGION = 0x102;
  public static final int VHT_PAGE_TABLE_RELOCATION_REGION = 0x103;
  public static final int VHT_CORIM_DOCUMENT = 0x104;
  public static final int VHT_CORIM_SIGNATURE = 0x105;
  public static final int VHT_CCA_POLICY = 0x106;
  public static final int VHT_PARAMETER_AREA = 0x301;
  public static final int VHT_PAGE_DATA = 0x302;
  public static final int VHT_PARAMETER_INSERT = 0x303;
  public static final int VHT_VP_CONTEXT = 0x304;
  public static final int VHT_REQUIRED_MEMORY = 0x305;
  public static final int VHT_VP_COUNT_PARAMETER = 0x307;
  public static final int VHT_SRAT = 0x308;
  public static final int VHT_MADT = 0x309;
  public static final int VHT_MMIO_RANGES = 0x30A;
  public static final int VHT_SNP_ID_BLOCK = 0x30B;
  public static final int VHT_MEMORY_MAP = 0x30C;
  public static final int VHT_ERROR_RANGE = 0x30D;
  public static final int VHT_COMMAND_LINE = 0x30E;
  public static final int VHT_SLIT = 0x30F;
  public static final int VHT_PPTT = 0x310;
  public static final int VHT_VBS_MEASUREMENT = 0x311;
  public static final int VHT_DEVICE_TREE = 0x312;
  public static final int VHT_ENVIRONMENT_INFO = 0x313;

  // Platform types.
  public static final int PLATFORM_NATIVE = 0;
  public static final int PLATFORM_VSM_ISOLATION = 1;
  public static final int PLATFORM_SEV_SNP = 2;
  public static final int PLATFORM_TDX = 3;
  public static final int PLATFORM_SEV = 4;
  public static final int PLATFORM_SEV_ES = 5;
  public static final int PLATFORM_CCA = 6;

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

  private final byte[] data;
  private final long variableHeaderOffset;
  private final long variableHeaderSize;
  private final List<IgvmHeader> platforms;
  private final List<IgvmHeader> initializations;
  private final List<IgvmHeader> directives;
  private final List<IgvmHeader> ignored;

  private IgvmFile(
      byte[] data,
      long vho,
      long vhs,
      List<IgvmHeader> platforms,
      List<IgvmHeader> initializations,
      List<IgvmHeader> directives,
      List<IgvmHeader> ignored) {
    this.data = data;
    this.variableHeaderOffset = vho;
    this.variableHeaderSize = vhs;
    this.platforms = Collections.unmodifiableList(platforms);
    this.initializations = Collections.unmodifiableList(initializations);
    this.directives = Collections.unmodifiableList(directives);
    this.ignored = Collections.unmodifiableList(ignored);
  }

  /** Reads and parses a file (at most {@link #MAX_FILE_SIZE} bytes). */
  public static IgvmFile read(Path path) throws MeasurementException {
    return parse(BoundedFiles.readAll(path, MAX_FILE_SIZE, "IGVM file"));
  }

  /** Parses a file held in memory. The array is kept, not copied: do not modify it afterwards. */
  public static IgvmFile parse(byte[] data) throws IgvmFormatException {
    return new Parser(data).parse();
  }

  /** The file bytes (not a copy: do not modify). */
  public byte[] data() {
    return data;
  }

  public long variableHeaderOffset() {
    return variableHeaderOffset;
  }

  public long variableHeaderSize() {
    return variableHeaderSize;
  }

  /** Start of the file data section (after the variable headers). */
  public long fileDataOffset() {
    return variableHeaderOffset + variableHeaderSize;
  }

  public List<IgvmHeader> platforms() {
    return platforms;
  }

  public List<IgvmHeader> initializations() {
    return initializations;
  }

  public List<IgvmHeader> directives() {
    return directives;
  }

  /** Headers of unknown types skipped because their "may be ignored" bit is set. */
  public List<IgvmHeader> ignored() {
    return ignored;
  }

  /** The first SUPPORTED_PLATFORM header of a platform type. */
  public Optional<SupportedPlatform> platform(int platformType) {
    for (IgvmHeader h : platforms) {
      if (h instanceof SupportedPlatform p && p.platformType() == platformType) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** Computes the header checksum of a file image (for tools and tests that build files). */
  public static long computeChecksum(byte[] file) {
    if (file.length < FIXED_HEADER_SIZE) {
      throw new IllegalArgumentException("shorter than the fixed header");
    }
    long vho = Le.u32(file, 8);
    long vhs = Le.u32(file, 12);
    CRC32 crc = new CRC32();
    byte[] fixed = Arrays.copyOf(file, FIXED_HEADER_SIZE);
    Le.put32(fixed, 20, 0);
    crc.update(fixed);
    if (vho + vhs <= file.length) {
      crc.update(file, (int) vho, (int) vhs);
    }
    return crc.getValue();
  }

  static String hex(long v) {
    return "0x" + Long.toHexString(v);
  }

  /** Name of a variable header type, for messages. */
  public static String typeName(int type) {
    int t = type & ~OPTIONAL_BIT;
    String n;
    switch (t) {
      case VHT_SUPPORTED_PLATFORM:
        n = "SUPPORTED_PLATFORM";
        break;
      case VHT_GUEST_POLICY:
        n = "GUEST_POLICY";
        break;
      case VHT_RELOCATABLE_REGION:
        n = "RELOCATABLE_REGION";
        break;
      case VHT_PAGE_TABLE_RELOCATION_REGION:
        n = "PAGE_TABLE_RELOCATION_REGION";
        break;
      case VHT_CORIM_DOCUMENT:
        n = "CORIM_DOCUMENT";
        break;
      case VHT_CORIM_SIGNATURE:
        n = "CORIM_SIGNATURE";
        break;
      case VHT_CCA_POLICY:
        n = "CCA_POLICY";
        break;
      case VHT_PARAMETER_AREA:
        n = "PARAMETER_AREA";
        break;
      case VHT_PAGE_DATA:
        n = "PAGE_DATA";
        break;
      case VHT_PARAMETER_INSERT:
        n = "PARAMETER_INSERT";
        break;
      case VHT_VP_CONTEXT:
        n = "VP_CONTEXT";
        break;
      case VHT_REQUIRED_MEMORY:
        n = "REQUIRED_MEMORY";
        break;
      case VHT_VP_COUNT_PARAMETER:
        n = "VP_COUNT_PARAMETER";
        break;
      case VHT_SRAT:
        n = "SRAT";
        break;
      case VHT_MADT:
        n = "MADT";
        break;
      case VHT_MMIO_RANGES:
        n = "MMIO_RANGES";
        break;
      case VHT_SNP_ID_BLOCK:
        n = "SNP_ID_BLOCK";
        break;
      case VHT_MEMORY_MAP:
        n = "MEMORY_MAP";
        break;
      case VHT_ERROR_RANGE:
        n = "ERROR_RANGE";
        break;
      case VHT_COMMAND_LINE:
        n = "COMMAND_LINE";
        break;
      case VHT_SLIT:
        n = "SLIT";
        break;
      case VHT_PPTT:
        n = "PPTT";
        break;
      case VHT_VBS_MEASUREMENT:
        n = "VBS_MEASUREMENT";
        break;
      case VHT_DEVICE_TREE:
        n = "DEVICE_TREE";
        break;
      case VHT_ENVIRONMENT_INFO:
        n = "ENVIRONMENT_INFO";
        break;
      default:
        n = "type " + hex(t & 0xFFFF_FFFFL);
    }
    return n;
  }

  /** The parser proper: one pass over the variable headers. */
  private static final class Parser {
    private enum Stage {
      PLATFORM,
      INITIALIZATION,
      DIRECTIVE
    }

    private final byte[] d;
    private long dataStart;
    private final List<IgvmHeader> platforms = new ArrayList<>();
    private final List<IgvmHeader> inits = new ArrayList<>();
    private final List<IgvmHeader> directives = new ArrayList<>();
    private final List<IgvmHeader> ignored = new ArrayList<>();

    /** compatibility mask -> platform type. */
    private final Map<Long, Integer> maskToPlatform = new HashMap<>();

    /** parameter area index -> true once inserted. */
    private final Map<Long, Boolean> parameterAreas = new HashMap<>();

    Parser(byte[] d) {
      this.d = d;
    }

    IgvmFile parse() throws IgvmFormatException {
      if (d.length < FIXED_HEADER_SIZE) {
        throw new IgvmFormatException(
            "IGVM file is truncated: "
                + d.length
                + " bytes, the fixed header alone needs "
                + FIXED_HEADER_SIZE);
      }
      long magic = Le.u32(d, 0);
      if (magic != MAGIC) {
        throw new IgvmFormatException(
            "not an IGVM file: bad magic " + hex(magic) + " (expected 0x4d564749 \"IGVM\")");
      }
      long version = Le.u32(d, 4);
      if (version != FORMAT_VERSION_1) {
        throw new IgvmFormatException(
            "unsupported IGVM format version " + version + " (only version 1 is supported)");
      }
      long vho = Le.u32(d, 8);
      long vhs = Le.u32(d, 12);
      long total = Le.u32(d, 16);
      long checksum = Le.u32(d, 20);
      if (total != d.length) {
        throw new IgvmFormatException(
            "IGVM fixed header gives total_file_size "
                + total
                + " but the file has "
                + d.length
                + " bytes (truncated or padded?)");
      }
      if (vho < FIXED_HEADER_SIZE) {
        throw new IgvmFormatException(
            "IGVM variable_header_offset " + vho + " overlaps the fixed header");
      }
      if (vho + vhs > d.length) {
        throw new IgvmFormatException(
            "IGVM variable header section ["
                + vho
                + ", "
                + (vho + vhs)
                + ") runs past the end of the file ("
                + d.length
                + " bytes)");
      }
      long computed = computeChecksum(d);
      if (computed != checksum) {
        throw new IgvmFormatException(
            "IGVM checksum mismatch: the header says "
                + hex(checksum)
                + ", the fixed and variable headers give "
                + hex(computed));
      }
      dataStart = vho + vhs;

      Stage stage = Stage.PLATFORM;
      int pos = (int) vho;
      int end = (int) (vho + vhs);
      while (pos < end) {
        if (end - pos < VARIABLE_HEADER_PREFIX) {
          throw new IgvmFormatException(
              "truncated IGVM variable header at offset "
                  + pos
                  + ": "
                  + (end - pos)
                  + " bytes left in the section, a header needs at least 8");
        }
        int type = (int) Le.u32(d, pos);
        long length = Le.u32(d, pos + 4);
        long room = end - pos - VARIABLE_HEADER_PREFIX;
        long padded = (length + 7) & ~7L;
        if (padded > room) {
          throw new IgvmFormatException(
              "IGVM "
                  + typeName(type)
                  + " header at offset "
                  + pos
                  + " has length "
                  + length
                  + (length > room ? "" : " (" + padded + " with padding)")
                  + " but only "
                  + room
                  + " bytes are left in the variable header section");
        }
        int body = pos + VARIABLE_HEADER_PREFIX;
        int base = type & ~OPTIONAL_BIT;
        boolean optional = (type & OPTIONAL_BIT) != 0;
        Stage headerStage = stageOf(base);
        IgvmHeader h = null;
        if (headerStage != null) {
          if (headerStage.ordinal() < stage.ordinal()) {
            throw new IgvmFormatException(
                "IGVM "
                    + typeName(type)
                    + " header at offset "
                    + pos
                    + " comes after "
                    + stage.name().toLowerCase()
                    + " headers (order must be platform,"
                    + " initialization, directive)");
          }
          stage = headerStage;
          h = decode(pos, type, base, (int) length, body);
        }
        if (h == null) {
          if (!optional) {
            throw new IgvmFormatException(
                "unsupported IGVM variable header " + typeName(type) + " at offset " + pos);
          }
          h = new Ignored(pos, type, (int) length);
        }
        if (h instanceof Ignored) {
          ignored.add(h);
        } else if (headerStage == Stage.PLATFORM) {
          platforms.add(h);
        } else if (headerStage == Stage.INITIALIZATION) {
          inits.add(h);
        } else {
          directives.add(h);
        }
        pos = (int) (body + padded);
      }
      if (platforms.isEmpty()) {
        throw new IgvmFormatException("IGVM file has no SUPPORTED_PLATFORM header");
      }
      return new IgvmFile(d, vho, vhs, platforms, inits, directives, ignored);
    }

    private static Stage stageOf(int base) {
      if (base >= 0x1 && base <= 0x100) {
        return Stage.PLATFORM;
      }
      if (base >= 0x101 && base <= 0x200) {
        return Stage.INITIALIZATION;
      }
      if (base >= 0x301 && base <= 0x400) {
        return Stage.DIRECTIVE;
      }
      return null;
    }

    /** Decodes a known header; null if the type is not known. */
    private IgvmHeader decode(int pos, int type, int base, int length, int b)
        throws IgvmFormatException {
      switch (base) {
        case VHT_SUPPORTED_PLATFORM:
          {
            expect(pos, type, length, SIZE_SUPPORTED_PLATFORM);
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
            expect(pos, type, length, SIZE_GUEST_POLICY);
            reservedZero(pos, type, Le.u32(d, b + 12));
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
            expect(pos, type, length, SIZE_PARAMETER_AREA);
            ParameterArea a =
                new ParameterArea(pos, type, Le.u64(d, b), Le.u32(d, b + 8), Le.u32(d, b + 12));
            if (Long.remainderUnsigned(a.numberOfBytes(), PAGE_SIZE_4K) != 0) {
              throw at(
                  pos,
                  type,
                  "area size " + Long.toUnsignedString(a.numberOfBytes()) + " is not page aligned");
            }
            if (a.fileOffset() != 0) {
              fileData(pos, type, a.fileOffset(), a.numberOfBytes());
            }
            if (parameterAreas.putIfAbsent(a.areaIndex(), Boolean.FALSE) != null) {
              throw at(pos, type, "parameter area index " + a.areaIndex() + " is declared twice");
            }
            return a;
          }
        case VHT_PAGE_DATA:
          {
            expect(pos, type, length, SIZE_PAGE_DATA);
            PageData p =
                new PageData(
                    pos,
                    type,
                    Le.u64(d, b),
                    Le.u32(d, b + 8),
                    Le.u32(d, b + 12),
                    Le.u32(d, b + 16),
                    Le.u16(d, b + 20));
            reservedZero(pos, type, Le.u16(d, b + 22));
            aligned(pos, type, p.gpa(), p.pageSize());
            noWrap(pos, type, p.gpa(), p.pageSize());
            if (p.dataType() > PageData.TYPE_CPUID_XF) {
              throw at(pos, type, "unknown page data type " + p.dataType());
            }
            if (p.hasData()) {
              fileData(pos, type, p.fileOffset(), p.pageSize());
            }
            return p;
          }
        case VHT_PARAMETER_INSERT:
          {
            expect(pos, type, length, SIZE_PARAMETER_INSERT);
            ParameterInsert p =
                new ParameterInsert(pos, type, Le.u64(d, b), Le.u32(d, b + 8), Le.u32(d, b + 12));
            aligned(pos, type, p.gpa(), PAGE_SIZE_4K);
            noWrap(pos, type, p.gpa(), PAGE_SIZE_4K);
            Boolean inserted = parameterAreas.get(p.areaIndex());
            if (inserted == null || inserted) {
              throw at(
                  pos,
                  type,
                  "parameter area index "
                      + p.areaIndex()
                      + (inserted == null ? " was not declared" : " was already inserted"));
            }
            parameterAreas.put(p.areaIndex(), Boolean.TRUE);
            return p;
          }
        case VHT_VP_CONTEXT:
          {
            expect(pos, type, length, SIZE_VP_CONTEXT);
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
            reservedZero(pos, type, Le.u16(d, b + 18));
            if (platform == PLATFORM_SEV_SNP || platform == PLATFORM_SEV_ES) {
              aligned(pos, type, v.gpa(), PAGE_SIZE_4K);
              noWrap(pos, type, v.gpa(), PAGE_SIZE_4K);
              fileData(pos, type, v.fileOffset(), PAGE_SIZE_4K);
            }
            return v;
          }
        case VHT_REQUIRED_MEMORY:
          {
            expect(pos, type, length, SIZE_REQUIRED_MEMORY);
            RequiredMemory r =
                new RequiredMemory(
                    pos,
                    type,
                    Le.u64(d, b),
                    Le.u32(d, b + 8),
                    Le.u32(d, b + 12),
                    Le.u32(d, b + 16));
            reservedZero(pos, type, Le.u32(d, b + 20));
            aligned(pos, type, r.gpa(), PAGE_SIZE_4K);
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
            expect(pos, type, length, SIZE_PARAMETER);
            Parameter p = new Parameter(pos, type, Le.u32(d, b), Le.u32(d, b + 4));
            Boolean inserted = parameterAreas.get(p.areaIndex());
            if (inserted == null || inserted) {
              throw at(
                  pos,
                  type,
                  "parameter area index "
                      + p.areaIndex()
                      + (inserted == null ? " was not declared" : " was already inserted"));
            }
            return p;
          }
        case VHT_SNP_ID_BLOCK:
          {
            expect(pos, type, length, SIZE_SNP_ID_BLOCK);
            byte[] ld =
                Arrays.copyOfRange(d, b + SNP_ID_BLOCK_LD_OFFSET, b + SNP_ID_BLOCK_LD_OFFSET + 48);
            return new SnpIdBlock(pos, type, Le.u32(d, b), LaunchDigest.of(ld));
          }
        case VHT_ERROR_RANGE:
          {
            expect(pos, type, length, SIZE_ERROR_RANGE);
            ErrorRange e =
                new ErrorRange(pos, type, Le.u64(d, b), Le.u32(d, b + 8), Le.u32(d, b + 12));
            aligned(pos, type, e.gpa(), PAGE_SIZE_4K);
            return e;
          }
        case VHT_VBS_MEASUREMENT:
          {
            expect(pos, type, length, SIZE_VBS_MEASUREMENT);
            return new VbsMeasurement(pos, type, Le.u32(d, b));
          }
        default:
          return null;
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
      for (IgvmHeader h : platforms) {
        if (((SupportedPlatform) h).platformType() == p.platformType()) {
          throw at(pos, type, "platform type " + p.platformType() + " is declared twice");
        }
      }
      if (maskToPlatform.putIfAbsent(p.compatibilityMask(), p.platformType()) != null) {
        throw at(
            pos,
            type,
            "compatibility mask " + hex(p.compatibilityMask()) + " is used by two platforms");
      }
    }

    private void expect(int pos, int type, int length, int size) throws IgvmFormatException {
      if (length != size) {
        throw at(pos, type, "length is " + Integer.toUnsignedString(length) + ", expected " + size);
      }
    }

    private void reservedZero(int pos, int type, long v) throws IgvmFormatException {
      if (v != 0) {
        throw at(pos, type, "reserved field is " + hex(v) + ", must be zero");
      }
    }

    private void aligned(int pos, int type, long gpa, long alignment) throws IgvmFormatException {
      if ((gpa & (alignment - 1)) != 0) {
        throw at(pos, type, "GPA " + hex(gpa) + " is not aligned to " + hex(alignment));
      }
    }

    private void noWrap(int pos, int type, long gpa, long size) throws IgvmFormatException {
      if (Long.compareUnsigned(gpa, -size) > 0) {
        throw at(
            pos, type, "GPA " + Long.toHexString(gpa) + " plus " + size + " bytes wraps around");
      }
    }

    /** File data [offset, offset+size) must lie inside the file data section. */
    private void fileData(int pos, int type, long offset, long size) throws IgvmFormatException {
      if (offset < dataStart
          || Long.compareUnsigned(size, d.length) > 0
          || offset + size > d.length) {
        throw at(
            pos,
            type,
            "file data ["
                + hex(offset)
                + ", +"
                + Long.toUnsignedString(size)
                + ") lies outside the file data section ["
                + hex(dataStart)
                + ", "
                + hex(d.length)
                + ")");
      }
    }

    private static IgvmFormatException at(long pos, int type, String what) {
      return new IgvmFormatException(
          "IGVM " + typeName(type) + " header at offset " + pos + ": " + what);
    }
  }
}
