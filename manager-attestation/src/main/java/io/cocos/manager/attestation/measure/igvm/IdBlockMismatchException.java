package io.cocos.manager.attestation.measure.igvm;

import io.cocos.manager.attestation.measure.LaunchDigest;
import io.cocos.manager.attestation.measure.MeasurementException;

/**
 * The IGVM file carries an SNP ID block whose expected launch digest differs from the computed one,
 * so the firmware would refuse to launch it.
 */
public class IdBlockMismatchException extends MeasurementException {
  private static final long serialVersionUID = 1L;
  private final transient LaunchDigest expected;
  private final transient LaunchDigest calculated;

  public IdBlockMismatchException(LaunchDigest expected, LaunchDigest calculated) {
    super(
        "the IGVM file's SNP ID block expects launch digest "
            + expected.hex()
            + " but the calculated launch digest is "
            + calculated.hex());
    this.expected = expected;
    this.calculated = calculated;
  }

  public LaunchDigest expected() {
    return expected;
  }

  public LaunchDigest calculated() {
    return calculated;
  }
}
