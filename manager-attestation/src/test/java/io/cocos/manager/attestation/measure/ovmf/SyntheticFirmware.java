package io.cocos.manager.attestation.measure.ovmf;

import io.cocos.manager.attestation.measure.util.Le;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds small firmware images with a footer GUID table and SEV metadata, for tests. The image is
 * {@code pages} × 4 KiB; the metadata (if any) is placed at offset 0x100.
 */
public final class SyntheticFirmware {
  private final int pages;
  private final List<byte[]> entries = new ArrayList<>(); // in file order
  private final List<long[]> sections = new ArrayList<>();
  private boolean metadata;

  public SyntheticFirmware(int pages) {
    this.pages = pages;
  }

  /** Adds a footer table entry (in file order; the walk sees the last one first). */
  public SyntheticFirmware entry(EfiGuid guid, byte[] data) {
    byte[] e = new byte[data.length + 18];
    System.arraycopy(data, 0, e, 0, data.length);
    Le.put16(e, data.length, e.length);
    guid.writeTo(e, data.length + 2);
    entries.add(e);
    return this;
  }

  public SyntheticFirmware u32Entry(EfiGuid guid, long v) {
    byte[] d = new byte[4];
    Le.put32(d, 0, v);
    return entry(guid, d);
  }

  /** Adds an SEV metadata section (and the metadata entry pointing at it). */
  public SyntheticFirmware section(long gpa, long size, long type) {
    metadata = true;
    sections.add(new long[] {gpa, size, type});
    return this;
  }

  public byte[] build() {
    byte[] img = new byte[pages * 4096];
    if (metadata) {
      int off = 0x100;
      Le.put32(img, off, 0x56455341L);
      Le.put32(img, off + 4, 16 + 12L * sections.size());
      Le.put32(img, off + 8, 1);
      Le.put32(img, off + 12, sections.size());
      for (int i = 0; i < sections.size(); i++) {
        long[] s = sections.get(i);
        Le.put32(img, off + 16 + 12 * i, s[0]);
        Le.put32(img, off + 20 + 12 * i, s[1]);
        Le.put32(img, off + 24 + 12 * i, s[2]);
      }
      u32Entry(FooterTable.SEV_METADATA_GUID, img.length - off);
    }
    ByteArrayOutputStream table = new ByteArrayOutputStream();
    for (byte[] e : entries) {
      table.writeBytes(e);
    }
    byte[] t = table.toByteArray();
    int footer = img.length - 32 - 18;
    System.arraycopy(t, 0, img, footer - t.length, t.length);
    Le.put16(img, footer, t.length + 18);
    FooterTable.FOOTER_GUID.writeTo(img, footer + 2);
    return img;
  }
}
