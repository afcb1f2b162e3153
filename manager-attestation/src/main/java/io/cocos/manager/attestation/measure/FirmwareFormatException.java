package io.cocos.manager.attestation.measure;

/**
 * A firmware image (OVMF, or a COCONUT-SVSM binary) is malformed: its footer GUID table, SEV
 * metadata or one of the entries the measurement needs cannot be parsed.
 */
public class FirmwareFormatException extends MeasurementException {
  private static final long serialVersionUID = 1L;

  public FirmwareFormatException(String message) {
    super(message);
  }
}
