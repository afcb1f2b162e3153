package io.cocos.manager.attestation.measure.snp;

import io.cocos.manager.attestation.measure.util.Hashing;
import java.security.DigestException;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The SEV-SNP launch digest being accumulated, one 4 KiB page at a time: for each page {@code LD =
 * SHA-384(PAGE_INFO(LD, contents, type, gpa))}. Not thread-safe; reuses its two MessageDigest
 * instances and one PAGE_INFO buffer, so measuring allocates nothing per page.
 */
public final class SnpLaunchDigest {
  public static final int PAGE_SIZE = 4096;

  /** GPA recorded for VMSA pages: (u64)-1, page aligned, bits above 51 clear. */
  public static final long VMSA_GPA = 0xFFFFFFFFF000L;

  private static final byte[] ZERO_PAGE_SHA384 = Hashing.sha384().digest(new byte[PAGE_SIZE]);

  private final MessageDigest pageHash = Hashing.sha384();
  private final MessageDigest infoHash = Hashing.sha384();

  /** PAGE_INFO under construction; bytes 0..47 always hold the current LD. */
  private final byte[] info = new byte[PageInfo.SIZE];

  private long pagesMeasured;

  /** Starts from 48 zero bytes. */
  public SnpLaunchDigest() {}

  /** Starts from a given 48-byte digest (e.g. a precomputed OVMF digest). */
  public SnpLaunchDigest(byte[] seed) {
    if (seed.length != PageInfo.DIGEST_SIZE) {
      throw new IllegalArgumentException("seed must be 48 bytes, not " + seed.length);
    }
    System.arraycopy(seed, 0, info, 0, PageInfo.DIGEST_SIZE);
  }

  /** SHA-384 of a 4 KiB page of zeros (the contents hash of an IGVM page without file data). */
  public static byte[] zeroPageSha384() {
    return ZERO_PAGE_SHA384.clone();
  }

  /** The current launch digest (a copy). */
  public byte[] digest() {
    return Arrays.copyOf(info, PageInfo.DIGEST_SIZE);
  }

  /** Number of PAGE_INFO updates so far. */
  public long pagesMeasured() {
    return pagesMeasured;
  }

  /**
   * NORMAL pages over {@code len} bytes of {@code data} (a multiple of 4096) at gpa, gpa+4K, ...
   */
  public void updateNormalPages(long gpa, byte[] data, int off, int len) {
    requirePageMultiple(len);
    for (int p = 0; p < len; p += PAGE_SIZE) {
      hashPageContents(data, off + p);
      chain(PageType.NORMAL, gpa + p);
    }
  }

  /** NORMAL pages over a whole array. */
  public void updateNormalPages(long gpa, byte[] data) {
    updateNormalPages(gpa, data, 0, data.length);
  }

  /** One NORMAL page whose contents hash is SHA-384 of 4096 zero bytes. */
  public void updateNormalZeroFilledPage(long gpa) {
    System.arraycopy(ZERO_PAGE_SHA384, 0, info, PageInfo.OFF_CONTENTS, PageInfo.DIGEST_SIZE);
    chain(PageType.NORMAL, gpa);
  }

  /** One VMSA page (4096 bytes) at {@link #VMSA_GPA}. */
  public void updateVmsaPage(byte[] vmsa) {
    updateVmsaPage(VMSA_GPA, vmsa, 0);
  }

  /** One VMSA page (4096 bytes at {@code off}) recorded at {@code gpa}. */
  public void updateVmsaPage(long gpa, byte[] vmsa, int off) {
    if (vmsa.length - off < PAGE_SIZE || off < 0) {
      throw new IllegalArgumentException("a VMSA page is 4096 bytes");
    }
    hashPageContents(vmsa, off);
    chain(PageType.VMSA, gpa);
  }

  public void updateZeroPages(long gpa, long len) {
    updateContentlessPages(PageType.ZERO, gpa, len);
  }

  public void updateUnmeasuredPages(long gpa, long len) {
    updateContentlessPages(PageType.UNMEASURED, gpa, len);
  }

  public void updateSecretsPage(long gpa) {
    updateContentlessPages(PageType.SECRETS, gpa, PAGE_SIZE);
  }

  public void updateCpuidPage(long gpa) {
    updateContentlessPages(PageType.CPUID, gpa, PAGE_SIZE);
  }

  /** Pages of a type whose CONTENTS field is 48 zero bytes (ZERO, UNMEASURED, SECRETS, CPUID). */
  public void updateContentlessPages(PageType type, long gpa, long len) {
    if (type == PageType.NORMAL || type == PageType.VMSA) {
      throw new IllegalArgumentException(type + " pages have contents");
    }
    requirePageMultiple(len);
    for (long p = 0; p < len; p += PAGE_SIZE) {
      Arrays.fill(
          info, PageInfo.OFF_CONTENTS, PageInfo.OFF_CONTENTS + PageInfo.DIGEST_SIZE, (byte) 0);
      chain(type, gpa + p);
    }
  }

  private void hashPageContents(byte[] data, int off) {
    pageHash.update(data, off, PAGE_SIZE);
    finish(pageHash, PageInfo.OFF_CONTENTS);
  }

  private void chain(PageType type, long gpa) {
    PageInfo.writeTail(info, type, gpa);
    infoHash.update(info, 0, PageInfo.SIZE);
    finish(infoHash, 0);
    pagesMeasured++;
  }

  private void finish(MessageDigest md, int off) {
    try {
      md.digest(info, off, PageInfo.DIGEST_SIZE); // also resets md
    } catch (DigestException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void requirePageMultiple(long len) {
    if (len < 0 || len % PAGE_SIZE != 0) {
      throw new IllegalArgumentException("length " + len + " is not a multiple of 4096");
    }
  }
}
