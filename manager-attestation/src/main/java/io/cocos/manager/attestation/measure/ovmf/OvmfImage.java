package io.cocos.manager.attestation.measure.ovmf;

import io.cocos.manager.attestation.measure.FirmwareFormatException;
import io.cocos.manager.attestation.measure.MeasurementException;
import io.cocos.manager.attestation.measure.util.BoundedFiles;
import io.cocos.manager.attestation.measure.util.Le;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * A firmware image mapped so that it ends at a given GPA (4 GiB for OVMF), with its footer GUID
 * table and SEV metadata parsed. Also used for COCONUT-SVSM binaries, which carry the same table.
 */
public final class OvmfImage {
  /** OVMF's image ends at 4 GiB. */
  public static final long FOUR_GIB = 0x1_0000_0000L;

  /** Largest firmware image accepted (firmware is mapped below 4 GiB; real ones are a few MiB). */
  public static final long MAX_IMAGE_SIZE = 256L * 1024 * 1024;

  /** "ASEV" little-endian. */
  public static final long METADATA_SIGNATURE = 0x56455341L;

  public static final int METADATA_HEADER_SIZE = 16;
  public static final int METADATA_DESC_SIZE = 12;

  private final String name;
  private final byte[] data;
  private final long gpa;
  private final FooterTable table;
  private final List<MetadataSection> metadata;

  private OvmfImage(String name, byte[] data, long endGpa) throws FirmwareFormatException {
    this.name = name;
    this.data = data;
    this.gpa = endGpa - data.length;
    this.table = FooterTable.parse(data);
    this.metadata = parseMetadata(name, data, table);
  }

  /** Reads an image that ends at 4 GiB. */
  public static OvmfImage read(Path path, String what) throws MeasurementException {
    return read(path, what, FOUR_GIB);
  }

  /** Reads an image that ends at {@code endGpa}. */
  public static OvmfImage read(Path path, String what, long endGpa) throws MeasurementException {
    byte[] data = BoundedFiles.readAll(path, MAX_IMAGE_SIZE, what);
    return parse(what + " " + path, data, endGpa);
  }

  /**
   * Parses an image held in memory (not copied; do not modify it afterwards).
   *
   * @param name how messages refer to the image
   */
  public static OvmfImage parse(String name, byte[] data, long endGpa)
      throws FirmwareFormatException {
    if (data.length == 0) {
      throw new FirmwareFormatException(name + " is empty");
    }
    if (data.length > MAX_IMAGE_SIZE) {
      throw new FirmwareFormatException(name + " is too large: " + data.length + " bytes");
    }
    if (endGpa - data.length < 0) {
      throw new FirmwareFormatException(
          name
              + " ("
              + data.length
              + " bytes) does not fit below GPA 0x"
              + Long.toHexString(endGpa));
    }
    return new OvmfImage(name, data, endGpa);
  }

  private static List<MetadataSection> parseMetadata(String name, byte[] data, FooterTable table)
      throws FirmwareFormatException {
    Optional<Long> offsetFromEnd = table.u32(FooterTable.SEV_METADATA_GUID, "SEV metadata");
    if (offsetFromEnd.isEmpty()) {
      return Collections.emptyList();
    }
    long start = data.length - offsetFromEnd.get();
    if (start < 0 || start + METADATA_HEADER_SIZE > data.length) {
      throw new FirmwareFormatException(
          name
              + ": SEV metadata offset 0x"
              + Long.toHexString(offsetFromEnd.get())
              + " from the end points outside the image");
    }
    int s = (int) start;
    if (Le.u32(data, s) != METADATA_SIGNATURE) {
      throw new FirmwareFormatException(
          name + ": wrong SEV metadata signature (expected \"ASEV\")");
    }
    long size = Le.u32(data, s + 4);
    long version = Le.u32(data, s + 8);
    long count = Le.u32(data, s + 12);
    if (version != 1) {
      throw new FirmwareFormatException(name + ": unsupported SEV metadata version " + version);
    }
    long itemsEnd = start + METADATA_HEADER_SIZE + count * METADATA_DESC_SIZE;
    if (METADATA_HEADER_SIZE + count * METADATA_DESC_SIZE > size || itemsEnd > data.length) {
      throw new FirmwareFormatException(
          name
              + ": SEV metadata declares "
              + count
              + " sections, which do not fit in its size "
              + size
              + " or in the image");
    }
    List<MetadataSection> list = new ArrayList<>((int) count);
    for (int i = 0; i < count; i++) {
      int off = s + METADATA_HEADER_SIZE + i * METADATA_DESC_SIZE;
      list.add(
          new MetadataSection(i, Le.u32(data, off), Le.u32(data, off + 4), Le.u32(data, off + 8)));
    }
    return Collections.unmodifiableList(list);
  }

  /** How messages refer to this image (role and path). */
  public String name() {
    return name;
  }

  /** The image bytes (not a copy: do not modify). */
  public byte[] data() {
    return data;
  }

  public int size() {
    return data.length;
  }

  /** GPA of the first byte. */
  public long gpa() {
    return gpa;
  }

  public FooterTable table() {
    return table;
  }

  /** SEV metadata sections in file order (empty if the image has none). */
  public List<MetadataSection> metadata() {
    return metadata;
  }

  public boolean hasMetadataSection(SectionType type) {
    for (MetadataSection s : metadata) {
      if (s.type() == type) {
        return true;
      }
    }
    return false;
  }

  /** The SEV-ES AP reset EIP, if the image has a SEV-ES reset block. */
  public Optional<Long> sevEsResetEip() throws FirmwareFormatException {
    return table.u32(FooterTable.SEV_ES_RESET_BLOCK_GUID, "SEV-ES reset block");
  }

  /** The GPA of the SEV hashes table, if the image reserves one. */
  public Optional<Long> sevHashesTableGpa() throws FirmwareFormatException {
    return table.u32(FooterTable.SEV_HASH_TABLE_RV_GUID, "SEV hashes table");
  }

  /** Whether QEMU can measure kernel/initrd/cmdline hashes into this firmware (SEV, SEV-ES). */
  public boolean isSevHashesTableSupported() throws FirmwareFormatException {
    Optional<Long> g = sevHashesTableGpa();
    return g.isPresent() && g.get() != 0;
  }

  /** SVSM entry point: this image's GPA plus the SVSM info entry's offset. */
  public long svsmEntryPoint() throws FirmwareFormatException {
    Optional<Long> off = table.u32(FooterTable.SVSM_INFO_GUID, "SVSM info");
    if (off.isEmpty()) {
      throw new FirmwareFormatException(
          name
              + " has no SVSM info entry ("
              + FooterTable.SVSM_INFO_GUID
              + ") in its footer table");
    }
    return gpa + off.get();
  }
}
