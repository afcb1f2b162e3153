package io.cocos.manager.attestation.measure;

import java.util.List;

/**
 * A launch digest with, when asked for ({@link SnpMeasurementRequest#collectVmsas()}), the VMSA
 * pages that were measured, in vCPU order.
 */
public record MeasurementResult(LaunchDigest digest, List<byte[]> vmsaPages) {
  public MeasurementResult {
    vmsaPages = List.copyOf(vmsaPages);
  }
}
