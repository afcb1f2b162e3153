package io.cocos.manager.qemu.args;

import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The sev-snp-guest object.
 *
 * @param hostData base64 of the 32 bytes placed in the attestation report's HOST_DATA, if any
 */
public record SevSnpGuest(String id, int cbitPos, int reducedPhysBits, Optional<String> hostData)
    implements QemuOption {
  /** Size of the HOST_DATA field of an SEV-SNP attestation report. */
  public static final int HOST_DATA_BYTES = 32;

  public SevSnpGuest {
    QemuValues.requireId(id, "SEV-SNP guest id");
    hostData.ifPresent(SevSnpGuest::requireHostData);
  }

  /** Throws IllegalArgumentException unless {@code base64} decodes to exactly 32 bytes. */
  public static String requireHostData(String base64) {
    byte[] bytes = Base64.getDecoder().decode(base64);
    if (bytes.length != HOST_DATA_BYTES) {
      throw new IllegalArgumentException(
          "host data is " + bytes.length + " bytes, not " + HOST_DATA_BYTES);
    }
    return base64;
  }

  @Override
  public List<String> render() {
    return List.of(
        "-object",
        "sev-snp-guest,id="
            + id
            + ",cbitpos="
            + cbitPos
            + ",reduced-phys-bits="
            + reducedPhysBits
            + hostData.map(h -> ",host-data=" + h).orElse(""));
  }
}
