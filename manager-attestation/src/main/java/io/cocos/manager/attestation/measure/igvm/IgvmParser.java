package io.cocos.manager.attestation.measure.igvm;

import static io.cocos.manager.attestation.measure.igvm.IgvmFile.FIXED_HEADER_SIZE;
import static io.cocos.manager.attestation.measure.igvm.IgvmFile.FORMAT_VERSION_1;
import static io.cocos.manager.attestation.measure.igvm.IgvmFile.MAGIC;
import static io.cocos.manager.attestation.measure.igvm.IgvmFile.VARIABLE_HEADER_PREFIX;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.OPTIONAL_BIT;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.hex;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.typeName;

import io.cocos.manager.attestation.measure.igvm.IgvmHeader.Ignored;
import io.cocos.manager.attestation.measure.util.Le;
import java.util.ArrayList;
import java.util.List;

/**
 * The structure of an IGVM file: its fixed header (magic, version, sizes, checksum) and one pass
 * over the variable header section (each header's bounds, the platform, initialization, directive
 * order, unknown headers). The headers' own fields are {@link IgvmHeaderDecoder}'s.
 */
final class IgvmParser {
  private enum Stage {
    PLATFORM,
    INITIALIZATION,
    DIRECTIVE
  }

  private final byte[] d;
  private final List<IgvmHeader> platforms = new ArrayList<>();
  private final List<IgvmHeader> inits = new ArrayList<>();
  private final List<IgvmHeader> directives = new ArrayList<>();
  private final List<IgvmHeader> ignored = new ArrayList<>();

  IgvmParser(byte[] d) {
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
    long computed = IgvmFile.computeChecksum(d);
    if (computed != checksum) {
      throw new IgvmFormatException(
          "IGVM checksum mismatch: the header says "
              + hex(checksum)
              + ", the fixed and variable headers give "
              + hex(computed));
    }
    walkVariableHeaders((int) vho, (int) (vho + vhs));
    if (platforms.isEmpty()) {
      throw new IgvmFormatException("IGVM file has no SUPPORTED_PLATFORM header");
    }
    return new IgvmFile(d, vho, vhs, platforms, inits, directives, ignored);
  }

  /** The variable header section [start, end), whose end is where the file data section starts. */
  private void walkVariableHeaders(int start, int end) throws IgvmFormatException {
    IgvmHeaderDecoder decoder = new IgvmHeaderDecoder(d, end);
    Stage stage = Stage.PLATFORM;
    int pos = start;
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
        h = decoder.decode(pos, type, base, (int) length, body);
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
}
