package io.cocos.manager.attestation.measure.igvm;

import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.hex;
import static io.cocos.manager.attestation.measure.igvm.IgvmTypes.typeName;

/**
 * The limits a variable header's fields are held to (exact length, zero reserved fields, aligned
 * GPAs that do not wrap, file data inside the file data section), each failing with an {@link
 * IgvmFormatException} that names the header and its offset.
 */
final class IgvmHeaderChecks {
  private final long fileLength;
  private final long dataStart;

  /**
   * @param fileLength the size of the file
   * @param dataStart where its file data section starts (the end of the variable headers)
   */
  IgvmHeaderChecks(long fileLength, long dataStart) {
    this.fileLength = fileLength;
    this.dataStart = dataStart;
  }

  void expect(int pos, int type, int length, int size) throws IgvmFormatException {
    if (length != size) {
      throw at(pos, type, "length is " + Integer.toUnsignedString(length) + ", expected " + size);
    }
  }

  void reservedZero(int pos, int type, long v) throws IgvmFormatException {
    if (v != 0) {
      throw at(pos, type, "reserved field is " + hex(v) + ", must be zero");
    }
  }

  void aligned(int pos, int type, long gpa, long alignment) throws IgvmFormatException {
    if ((gpa & (alignment - 1)) != 0) {
      throw at(pos, type, "GPA " + hex(gpa) + " is not aligned to " + hex(alignment));
    }
  }

  void noWrap(int pos, int type, long gpa, long size) throws IgvmFormatException {
    if (Long.compareUnsigned(gpa, -size) > 0) {
      throw at(pos, type, "GPA " + Long.toHexString(gpa) + " plus " + size + " bytes wraps around");
    }
  }

  /** File data [offset, offset+size) must lie inside the file data section. */
  void fileData(int pos, int type, long offset, long size) throws IgvmFormatException {
    if (offset < dataStart
        || Long.compareUnsigned(size, fileLength) > 0
        || offset + size > fileLength) {
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
              + hex(fileLength)
              + ")");
    }
  }

  /** A failure of the header of {@code type} at offset {@code pos}. */
  static IgvmFormatException at(long pos, int type, String what) {
    return new IgvmFormatException(
        "IGVM " + typeName(type) + " header at offset " + pos + ": " + what);
  }
}
