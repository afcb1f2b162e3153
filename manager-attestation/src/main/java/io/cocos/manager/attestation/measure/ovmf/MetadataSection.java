package io.cocos.manager.attestation.measure.ovmf;

/**
 * One SEV metadata section descriptor: {@code u32 gpa | u32 size | u32 type}.
 *
 * @param index position in the metadata (0-based), for messages
 * @param rawType the type as stored; see {@link #type()}
 */
public record MetadataSection(int index, long gpa, long size, long rawType) {

  /** The section type, or null if the value is not one OVMF defines. */
  public SectionType type() {
    return SectionType.of(rawType);
  }

  @Override
  public String toString() {
    SectionType t = type();
    return "section #"
        + index
        + " ("
        + (t == null ? "type 0x" + Long.toHexString(rawType) : t.name())
        + " at 0x"
        + Long.toHexString(gpa)
        + ", 0x"
        + Long.toHexString(size)
        + " bytes)";
  }
}
