package io.cocos.manager.attestation.measure.snp;

import io.cocos.manager.attestation.measure.ovmf.EfiGuid;
import io.cocos.manager.attestation.measure.util.Le;

/**
 * The SEV hashes table QEMU writes into guest memory for measured direct boot: SHA-256 of the
 * kernel, the initrd and the command line, in OVMF's GUIDed format (168 bytes, padded to 176).
 */
public final class SevHashes {
  public static final EfiGuid TABLE_HEADER_GUID =
      EfiGuid.parse("9438d606-4f22-4cc9-b479-a793d411fd21");
  public static final EfiGuid CMDLINE_GUID = EfiGuid.parse("97d02dd8-bd20-4c94-aa78-e7714d36ab2a");
  public static final EfiGuid INITRD_GUID = EfiGuid.parse("44baf731-3a2f-4bd7-9af1-41e29169781d");
  public static final EfiGuid KERNEL_GUID = EfiGuid.parse("4de79437-abd2-427f-b835-d5b172d2045b");

  /** GUID + u16 length + SHA-256. */
  public static final int ENTRY_SIZE = 16 + 2 + 32;

  /** Header GUID + u16 length + three entries. */
  public static final int TABLE_SIZE = 16 + 2 + 3 * ENTRY_SIZE;

  /** The table rounded up to 16 bytes, as QEMU places it. */
  public static final int PADDED_TABLE_SIZE = (TABLE_SIZE + 15) & ~15;

  private final byte[] kernelHash;
  private final byte[] initrdHash;
  private final byte[] cmdlineHash;

  /**
   * @param kernelHash SHA-256 of the kernel; likewise initrd (empty input if none) and cmdline
   */
  public SevHashes(byte[] kernelHash, byte[] initrdHash, byte[] cmdlineHash) {
    this.kernelHash = check(kernelHash);
    this.initrdHash = check(initrdHash);
    this.cmdlineHash = check(cmdlineHash);
  }

  private static byte[] check(byte[] h) {
    if (h.length != 32) {
      throw new IllegalArgumentException("SHA-256 hash must be 32 bytes");
    }
    return h.clone();
  }

  /** The padded table (176 bytes). */
  public byte[] table() {
    byte[] t = new byte[PADDED_TABLE_SIZE];
    TABLE_HEADER_GUID.writeTo(t, 0);
    Le.put16(t, 16, TABLE_SIZE);
    int off = 18;
    off = entry(t, off, CMDLINE_GUID, cmdlineHash);
    off = entry(t, off, INITRD_GUID, initrdHash);
    entry(t, off, KERNEL_GUID, kernelHash);
    return t;
  }

  private static int entry(byte[] t, int off, EfiGuid guid, byte[] hash) {
    guid.writeTo(t, off);
    Le.put16(t, off + 16, ENTRY_SIZE);
    System.arraycopy(hash, 0, t, off + 18, 32);
    return off + ENTRY_SIZE;
  }

  /** A 4 KiB page of zeros with the padded table at {@code offsetInPage}. */
  public byte[] page(int offsetInPage) {
    if (offsetInPage < 0 || offsetInPage > SnpLaunchDigest.PAGE_SIZE - PADDED_TABLE_SIZE) {
      throw new IllegalArgumentException(
          "SEV hashes table at page offset 0x"
              + Integer.toHexString(offsetInPage)
              + " does not fit in the page");
    }
    byte[] page = new byte[SnpLaunchDigest.PAGE_SIZE];
    System.arraycopy(table(), 0, page, offsetInPage, PADDED_TABLE_SIZE);
    return page;
  }
}
