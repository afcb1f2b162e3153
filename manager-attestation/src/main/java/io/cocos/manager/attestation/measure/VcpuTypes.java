package io.cocos.manager.attestation.measure;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * vCPU signatures (CPUID Fn0000_0001 EAX, which QEMU loads into RDX at reset) for QEMU's EPYC CPU
 * models, as sev-snp-measure's {@code --vcpu-type} knows them.
 */
public final class VcpuTypes {
  private VcpuTypes() {}

  private static final Map<String, Integer> SIGS;

  static {
    Map<String, Integer> m = new LinkedHashMap<>();
    int epyc = cpuSig(23, 1, 2);
    int rome = cpuSig(23, 49, 0);
    int milan = cpuSig(25, 1, 1);
    int genoa = cpuSig(25, 17, 0);
    int turin = cpuSig(26, 0, 0);
    for (String n :
        new String[] {"EPYC", "EPYC-v1", "EPYC-v2", "EPYC-IBPB", "EPYC-v3", "EPYC-v4"}) {
      m.put(n, epyc);
    }
    for (String n : new String[] {"EPYC-Rome", "EPYC-Rome-v1", "EPYC-Rome-v2", "EPYC-Rome-v3"}) {
      m.put(n, rome);
    }
    for (String n : new String[] {"EPYC-Milan", "EPYC-Milan-v1", "EPYC-Milan-v2"}) {
      m.put(n, milan);
    }
    for (String n : new String[] {"EPYC-Genoa", "EPYC-Genoa-v1"}) {
      m.put(n, genoa);
    }
    m.put("EPYC-Turin", turin);
    SIGS = Collections.unmodifiableMap(m);
  }

  /**
   * CPUID 1 EAX from family, model and stepping (AMD CPUID specification #25481): families above 15
   * are encoded as base family 0xF plus an extended family.
   */
  public static int cpuSig(int family, int model, int stepping) {
    if (family < 0 || model < 0 || stepping < 0) {
      throw new IllegalArgumentException("family, model and stepping must not be negative");
    }
    int familyLow;
    int familyHigh;
    if (family > 0xF) {
      familyLow = 0xF;
      familyHigh = (family - 0xF) & 0xFF;
    } else {
      familyLow = family;
      familyHigh = 0;
    }
    return familyHigh << 20
        | ((model >> 4) & 0xF) << 16
        | familyLow << 8
        | (model & 0xF) << 4
        | (stepping & 0xF);
  }

  /** Known {@code --vcpu-type} names and their signatures, in a stable order. */
  public static Map<String, Integer> all() {
    return SIGS;
  }

  /** The signature of a named vCPU type (exact name, as QEMU spells it). */
  public static int forName(String name) throws MeasurementException {
    Integer sig = name == null ? null : SIGS.get(name);
    if (sig == null) {
      throw new MeasurementException(
          "unknown vCPU type '" + name + "' (known: " + String.join(", ", SIGS.keySet()) + ")");
    }
    return sig;
  }
}
