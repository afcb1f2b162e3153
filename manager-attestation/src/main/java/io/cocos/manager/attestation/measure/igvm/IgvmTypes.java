package io.cocos.manager.attestation.measure.igvm;

/**
 * The identifiers IGVM gives its variable headers and platforms (microsoft/igvm's igvm_defs), and
 * how messages name them. Changes when the format defines a new header or platform type.
 */
public final class IgvmTypes {
  /** Bit 31 of a stored type: a loader that does not know the header may ignore it. */
  public static final int OPTIONAL_BIT = 0x8000_0000;

  // Variable header types.
  public static final int VHT_SUPPORTED_PLATFORM = 0x1;
  public static final int VHT_GUEST_POLICY = 0x101;
  public static final int VHT_RELOCATABLE_REGION = 0x102;
  public static final int VHT_PAGE_TABLE_RELOCATION_REGION = 0x103;
  public static final int VHT_CORIM_DOCUMENT = 0x104;
  public static final int VHT_CORIM_SIGNATURE = 0x105;
  public static final int VHT_CCA_POLICY = 0x106;
  public static final int VHT_PARAMETER_AREA = 0x301;
  public static final int VHT_PAGE_DATA = 0x302;
  public static final int VHT_PARAMETER_INSERT = 0x303;
  public static final int VHT_VP_CONTEXT = 0x304;
  public static final int VHT_REQUIRED_MEMORY = 0x305;
  public static final int VHT_VP_COUNT_PARAMETER = 0x307;
  public static final int VHT_SRAT = 0x308;
  public static final int VHT_MADT = 0x309;
  public static final int VHT_MMIO_RANGES = 0x30A;
  public static final int VHT_SNP_ID_BLOCK = 0x30B;
  public static final int VHT_MEMORY_MAP = 0x30C;
  public static final int VHT_ERROR_RANGE = 0x30D;
  public static final int VHT_COMMAND_LINE = 0x30E;
  public static final int VHT_SLIT = 0x30F;
  public static final int VHT_PPTT = 0x310;
  public static final int VHT_VBS_MEASUREMENT = 0x311;
  public static final int VHT_DEVICE_TREE = 0x312;
  public static final int VHT_ENVIRONMENT_INFO = 0x313;

  // Platform types.
  public static final int PLATFORM_NATIVE = 0;
  public static final int PLATFORM_VSM_ISOLATION = 1;
  public static final int PLATFORM_SEV_SNP = 2;
  public static final int PLATFORM_TDX = 3;
  public static final int PLATFORM_SEV = 4;
  public static final int PLATFORM_SEV_ES = 5;
  public static final int PLATFORM_CCA = 6;

  private IgvmTypes() {}

  /** Name of a variable header type, for messages. */
  public static String typeName(int type) {
    int t = type & ~OPTIONAL_BIT;
    return switch (t) {
      case VHT_SUPPORTED_PLATFORM -> "SUPPORTED_PLATFORM";
      case VHT_GUEST_POLICY -> "GUEST_POLICY";
      case VHT_RELOCATABLE_REGION -> "RELOCATABLE_REGION";
      case VHT_PAGE_TABLE_RELOCATION_REGION -> "PAGE_TABLE_RELOCATION_REGION";
      case VHT_CORIM_DOCUMENT -> "CORIM_DOCUMENT";
      case VHT_CORIM_SIGNATURE -> "CORIM_SIGNATURE";
      case VHT_CCA_POLICY -> "CCA_POLICY";
      case VHT_PARAMETER_AREA -> "PARAMETER_AREA";
      case VHT_PAGE_DATA -> "PAGE_DATA";
      case VHT_PARAMETER_INSERT -> "PARAMETER_INSERT";
      case VHT_VP_CONTEXT -> "VP_CONTEXT";
      case VHT_REQUIRED_MEMORY -> "REQUIRED_MEMORY";
      case VHT_VP_COUNT_PARAMETER -> "VP_COUNT_PARAMETER";
      case VHT_SRAT -> "SRAT";
      case VHT_MADT -> "MADT";
      case VHT_MMIO_RANGES -> "MMIO_RANGES";
      case VHT_SNP_ID_BLOCK -> "SNP_ID_BLOCK";
      case VHT_MEMORY_MAP -> "MEMORY_MAP";
      case VHT_ERROR_RANGE -> "ERROR_RANGE";
      case VHT_COMMAND_LINE -> "COMMAND_LINE";
      case VHT_SLIT -> "SLIT";
      case VHT_PPTT -> "PPTT";
      case VHT_VBS_MEASUREMENT -> "VBS_MEASUREMENT";
      case VHT_DEVICE_TREE -> "DEVICE_TREE";
      case VHT_ENVIRONMENT_INFO -> "ENVIRONMENT_INFO";
      default -> "type " + hex(t & 0xFFFF_FFFFL);
    };
  }

  /** A value in hex, as messages write addresses, masks and checksums. */
  static String hex(long v) {
    return "0x" + Long.toHexString(v);
  }
}
