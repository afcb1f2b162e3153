package io.cocos.manager.attestation.measure.snp;

import io.cocos.manager.attestation.measure.util.Le;

/**
 * The 0x70-byte PAGE_INFO structure hashed for every page of an SNP launch:
 *
 * <pre>
 * 0x00 DIGEST_CUR[48]  0x30 CONTENTS[48]  0x60 u16 LENGTH=0x70  0x62 u8 PAGE_TYPE  0x63 u8 IMI_PAGE
 * 0x64 u8 VMPL3_PERMS  0x65 u8 VMPL2_PERMS  0x66 u8 VMPL1_PERMS  0x67 u8 reserved  0x68 u64 GPA
 * </pre>
 *
 * (IMI and VMPL permissions are always zero for a launch measured by the host.)
 */
public final class PageInfo {
  public static final int SIZE = 0x70;
  public static final int DIGEST_SIZE = 48;
  public static final int OFF_DIGEST_CUR = 0x00;
  public static final int OFF_CONTENTS = 0x30;
  public static final int OFF_LENGTH = 0x60;
  public static final int OFF_PAGE_TYPE = 0x62;
  public static final int OFF_IMI = 0x63;
  public static final int OFF_GPA = 0x68;

  private PageInfo() {}

  /** Builds a fresh PAGE_INFO. */
  public static byte[] encode(byte[] digestCur, byte[] contents, PageType type, long gpa) {
    if (digestCur.length != DIGEST_SIZE || contents.length != DIGEST_SIZE) {
      throw new IllegalArgumentException("digest and contents must be 48 bytes");
    }
    byte[] info = new byte[SIZE];
    System.arraycopy(digestCur, 0, info, OFF_DIGEST_CUR, DIGEST_SIZE);
    System.arraycopy(contents, 0, info, OFF_CONTENTS, DIGEST_SIZE);
    writeTail(info, type, gpa);
    return info;
  }

  /** Writes the fields after CONTENTS (length, type, IMI, permissions, reserved, GPA). */
  static void writeTail(byte[] info, PageType type, long gpa) {
    Le.put16(info, OFF_LENGTH, SIZE);
    info[OFF_PAGE_TYPE] = (byte) type.value();
    for (int i = OFF_IMI; i < OFF_GPA; i++) {
      info[i] = 0;
    }
    Le.put64(info, OFF_GPA, gpa);
  }
}
