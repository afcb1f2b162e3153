package io.cocos.manager.attestation.measure.igvm;

import io.cocos.manager.attestation.measure.MeasurementException;
import io.cocos.manager.attestation.measure.igvm.IgvmHeader.SupportedPlatform;
import io.cocos.manager.attestation.measure.util.BoundedFiles;
import io.cocos.manager.attestation.measure.util.Le;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * An IGVM file (format version 1, as defined by microsoft/igvm's igvm_defs), parsed and validated.
 * Page data stays in the file buffer and is read in place by the measurement.
 *
 * <p>Every length, offset and count is checked against the actual file before it is used, so
 * malformed input fails with an {@link IgvmFormatException} naming the offending offset. The checks
 * are {@link IgvmParser}'s (fixed header, order of the variable headers) and {@link
 * IgvmHeaderDecoder}'s (each header's fields); header and platform types are in {@link IgvmTypes}.
 */
public final class IgvmFile {
  public static final long MAGIC = 0x4D564749L; // "IGVM"
  public static final int FORMAT_VERSION_1 = 1;
  public static final int FIXED_HEADER_SIZE = 24;
  public static final int VARIABLE_HEADER_PREFIX = 8;
  public static final int PAGE_SIZE_4K = 4096;
  public static final int PAGE_SIZE_2M = 2 * 1024 * 1024;

  /** Largest file accepted by {@link #read(Path)}. */
  public static final long MAX_FILE_SIZE = 1L << 30;

  private final byte[] data;
  private final long variableHeaderOffset;
  private final long variableHeaderSize;
  private final List<IgvmHeader> platforms;
  private final List<IgvmHeader> initializations;
  private final List<IgvmHeader> directives;
  private final List<IgvmHeader> ignored;

  IgvmFile(
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
    return new IgvmParser(data).parse();
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
}
