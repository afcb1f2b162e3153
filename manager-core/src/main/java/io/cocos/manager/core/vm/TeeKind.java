package io.cocos.manager.core.vm;

/** The trusted execution environment a CVM is launched in. */
public enum TeeKind {
  NONE("none"),
  SEV("sev"),
  SEV_SNP("sev-snp"),
  TDX("tdx");

  private final String wireName;

  TeeKind(String wireName) {
    this.wireName = wireName;
  }

  /** The name used on the wire and in persisted state. */
  public String wireName() {
    return wireName;
  }

  public static TeeKind fromWireName(String name) {
    for (TeeKind k : values()) {
      if (k.wireName.equals(name)) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown TEE kind " + name);
  }
}
