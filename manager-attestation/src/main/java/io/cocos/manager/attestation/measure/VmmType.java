package io.cocos.manager.attestation.measure;

/** The hypervisor that launches the guest; they differ slightly in the initial vCPU state. */
public enum VmmType {
  QEMU("QEMU"),
  EC2("ec2"),
  GCE("gce");

  private final String cliName;

  VmmType(String cliName) {
    this.cliName = cliName;
  }

  /** The {@code --vmm-type} value (QEMU, ec2, gce). */
  public String cliName() {
    return cliName;
  }

  /** Parses a {@code --vmm-type} value (case-insensitive). */
  public static VmmType fromCli(String s) throws MeasurementException {
    for (VmmType t : values()) {
      if (t.cliName.equalsIgnoreCase(s)) {
        return t;
      }
    }
    throw new MeasurementException("unknown VMM type '" + s + "' (expected QEMU, ec2 or gce)");
  }

  @Override
  public String toString() {
    return cliName;
  }
}
