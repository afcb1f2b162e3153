package io.cocos.manager.attestation.measure.igvm;

import io.cocos.manager.attestation.measure.util.Le;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/** Builds IGVM files for tests (format version 1, checksum filled in). */
final class IgvmBuilder {
  private record H(int type, byte[] body, int fileOffsetAt, int blob) {}

  private final List<H> headers = new ArrayList<>();
  private final List<byte[]> blobs = new ArrayList<>();

  IgvmBuilder platform(long mask, int platformType) {
    byte[] b = new byte[16];
    Le.put32(b, 0, mask);
    b[5] = (byte) platformType;
    Le.put16(b, 6, 1);
    return add(IgvmTypes.VHT_SUPPORTED_PLATFORM, b, -1, null);
  }

  IgvmBuilder snpPlatform() {
    return platform(1, IgvmTypes.PLATFORM_SEV_SNP);
  }

  IgvmBuilder policy(long policy, long mask) {
    byte[] b = new byte[16];
    Le.put64(b, 0, policy);
    Le.put32(b, 8, mask);
    return add(IgvmTypes.VHT_GUEST_POLICY, b, -1, null);
  }

  /** data null = no file data (file_offset 0). */
  IgvmBuilder pageData(long gpa, long mask, byte[] data, int flags, int dataType) {
    byte[] b = new byte[24];
    Le.put64(b, 0, gpa);
    Le.put32(b, 8, mask);
    Le.put32(b, 16, flags);
    Le.put16(b, 20, dataType);
    return add(IgvmTypes.VHT_PAGE_DATA, b, 12, data);
  }

  IgvmBuilder parameterArea(long bytes, long index) {
    byte[] b = new byte[16];
    Le.put64(b, 0, bytes);
    Le.put32(b, 8, index);
    return add(IgvmTypes.VHT_PARAMETER_AREA, b, -1, null);
  }

  IgvmBuilder parameter(int type, long index, long offset) {
    byte[] b = new byte[8];
    Le.put32(b, 0, index);
    Le.put32(b, 4, offset);
    return add(type, b, -1, null);
  }

  IgvmBuilder parameterInsert(long gpa, long mask, long index) {
    byte[] b = new byte[16];
    Le.put64(b, 0, gpa);
    Le.put32(b, 8, mask);
    Le.put32(b, 12, index);
    return add(IgvmTypes.VHT_PARAMETER_INSERT, b, -1, null);
  }

  IgvmBuilder vpContext(long gpa, long mask, byte[] vmsa) {
    byte[] b = new byte[20];
    Le.put64(b, 0, gpa);
    Le.put32(b, 8, mask);
    return add(IgvmTypes.VHT_VP_CONTEXT, b, 12, vmsa);
  }

  IgvmBuilder idBlock(long mask, byte[] ld) {
    byte[] b = new byte[696];
    Le.put32(b, 0, mask);
    System.arraycopy(ld, 0, b, 8, 48);
    return add(IgvmTypes.VHT_SNP_ID_BLOCK, b, -1, null);
  }

  IgvmBuilder raw(int type, byte[] body) {
    return add(type, body, -1, null);
  }

  private IgvmBuilder add(int type, byte[] body, int fileOffsetAt, byte[] data) {
    int blob = -1;
    if (data != null) {
      blob = blobs.size();
      blobs.add(data);
    }
    headers.add(new H(type, body, fileOffsetAt, blob));
    return this;
  }

  byte[] build() {
    int vhs = 0;
    for (H h : headers) {
      vhs += 8 + ((h.body.length + 7) & ~7);
    }
    int dataStart = IgvmFile.FIXED_HEADER_SIZE + vhs;
    int[] blobOffsets = new int[blobs.size()];
    int off = dataStart;
    for (int i = 0; i < blobs.size(); i++) {
      blobOffsets[i] = off;
      off += blobs.get(i).length;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] fixed = new byte[24];
    Le.put32(fixed, 0, IgvmFile.MAGIC);
    Le.put32(fixed, 4, 1);
    Le.put32(fixed, 8, 24);
    Le.put32(fixed, 12, vhs);
    Le.put32(fixed, 16, off);
    out.writeBytes(fixed);
    for (H h : headers) {
      byte[] body = h.body.clone();
      if (h.blob >= 0) {
        Le.put32(body, h.fileOffsetAt, blobOffsets[h.blob]);
      }
      byte[] prefix = new byte[8];
      Le.put32(prefix, 0, h.type);
      Le.put32(prefix, 4, body.length);
      out.writeBytes(prefix);
      out.writeBytes(body);
      out.writeBytes(new byte[((body.length + 7) & ~7) - body.length]);
    }
    for (byte[] b : blobs) {
      out.writeBytes(b);
    }
    byte[] file = out.toByteArray();
    fixChecksum(file);
    return file;
  }

  /** Recomputes the checksum of a (possibly mutated) file in place. */
  static void fixChecksum(byte[] file) {
    if (file.length >= 24) {
      Le.put32(file, 20, IgvmFile.computeChecksum(file));
    }
  }
}
