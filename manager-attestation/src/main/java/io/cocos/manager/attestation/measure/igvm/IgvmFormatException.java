package io.cocos.manager.attestation.measure.igvm;

import io.cocos.manager.attestation.measure.MeasurementException;

/** An IGVM file is malformed: truncated, bad checksum, inconsistent headers or data offsets. */
public class IgvmFormatException extends MeasurementException {
  private static final long serialVersionUID = 1L;

  public IgvmFormatException(String message) {
    super(message);
  }
}
