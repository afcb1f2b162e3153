package io.cocos.manager.attestation.measure.ovmf;

import io.cocos.manager.attestation.measure.FirmwareFormatException;
import io.cocos.manager.attestation.measure.util.Le;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * OVMF's footer GUID table (edk2 OvmfPkg/ResetVector), found just before the last 32 bytes of the
 * image:
 *
 * <pre>
 *   ... | data | u16 len | GUID | ... | data | u16 len | GUID | u16 size | FOOTER GUID | 32 bytes
 * </pre>
 *
 * The footer entry's {@code size} covers the whole table including itself. Entries are walked from
 * the end; each entry's {@code len} covers its data plus its 18-byte header.
 */
public final class FooterTable {
  public static final EfiGuid FOOTER_GUID = EfiGuid.parse("96b582de-1fb2-45f7-baea-a366c55a082d");
  public static final EfiGuid SEV_ES_RESET_BLOCK_GUID =
      EfiGuid.parse("00f771de-1a7e-4fcb-890e-68c77e2fb44e");
  public static final EfiGuid SEV_HASH_TABLE_RV_GUID =
      EfiGuid.parse("7255371f-3a3b-4b04-927b-1da6efa8d454");
  public static final EfiGuid SEV_METADATA_GUID =
      EfiGuid.parse("dc886566-984a-4798-a75e-5585a7bf67cc");
  public static final EfiGuid SVSM_INFO_GUID =
      EfiGuid.parse("a789a612-0597-4c4b-a49f-cbb1fe9d1ddd");

  /** u16 length + GUID. */
  public static final int ENTRY_HEADER_SIZE = 2 + EfiGuid.SIZE;

  /** The footer entry ends this many bytes before the end of the image. */
  public static final int TRAILER_SIZE = 32;

  private static final FooterTable EMPTY = new FooterTable(Collections.emptyMap());

  private final Map<EfiGuid, byte[]> entries;

  private FooterTable(Map<EfiGuid, byte[]> entries) {
    this.entries = entries;
  }

  /**
   * Parses the table of an image. An image without the footer GUID (or too small to hold one) has
   * an empty table.
   *
   * @throws FirmwareFormatException if the table's lengths are inconsistent
   */
  public static FooterTable parse(byte[] image) throws FirmwareFormatException {
    int footerOff = image.length - TRAILER_SIZE - ENTRY_HEADER_SIZE;
    if (footerOff < 0 || !FOOTER_GUID.matches(image, footerOff + 2)) {
      return EMPTY;
    }
    int tableSize = Le.u16(image, footerOff) - ENTRY_HEADER_SIZE;
    if (tableSize < 0) {
      return EMPTY; // as the reference does
    }
    if (tableSize > footerOff) {
      throw new FirmwareFormatException(
          "OVMF footer table size "
              + (tableSize + ENTRY_HEADER_SIZE)
              + " exceeds the image ("
              + image.length
              + " bytes)");
    }
    int start = footerOff - tableSize;
    int end = footerOff; // exclusive end of the unwalked part
    Map<EfiGuid, byte[]> map = new LinkedHashMap<>();
    while (end - start >= ENTRY_HEADER_SIZE) {
      int hdr = end - ENTRY_HEADER_SIZE;
      int len = Le.u16(image, hdr);
      if (len < ENTRY_HEADER_SIZE) {
        throw new FirmwareFormatException(
            "invalid OVMF footer table entry size "
                + len
                + " at offset 0x"
                + Integer.toHexString(hdr));
      }
      if (len > end - start) {
        throw new FirmwareFormatException(
            "OVMF footer table entry at offset 0x"
                + Integer.toHexString(hdr)
                + " has size "
                + len
                + " but only "
                + (end - start)
                + " bytes of the table remain");
      }
      EfiGuid guid = EfiGuid.fromBytes(image, hdr + 2);
      // Later (= earlier in the file) entries with the same GUID replace earlier ones, as in the
      // reference implementation.
      map.put(guid, Arrays.copyOfRange(image, end - len, hdr));
      end -= len;
    }
    return new FooterTable(Collections.unmodifiableMap(map));
  }

  /** Entries by GUID, in walking order (from the end of the table). */
  public Map<EfiGuid, byte[]> entries() {
    return entries;
  }

  public boolean isEmpty() {
    return entries.isEmpty();
  }

  public Optional<byte[]> entry(EfiGuid guid) {
    byte[] e = entries.get(guid);
    return e == null ? Optional.empty() : Optional.of(e.clone());
  }

  /** The first u32 of an entry's data, if the entry exists. */
  public Optional<Long> u32(EfiGuid guid, String name) throws FirmwareFormatException {
    byte[] e = entries.get(guid);
    if (e == null) {
      return Optional.empty();
    }
    if (e.length < 4) {
      throw new FirmwareFormatException(
          "OVMF footer table entry "
              + name
              + " ("
              + guid
              + ") is too short: "
              + e.length
              + " bytes");
    }
    return Optional.of(Le.u32(e, 0));
  }
}
