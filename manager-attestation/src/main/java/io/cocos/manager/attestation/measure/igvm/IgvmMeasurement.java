package io.cocos.manager.attestation.measure.igvm;

import io.cocos.manager.attestation.measure.LaunchDigest;
import java.util.Optional;

/**
 * The SEV-SNP launch digest of an IGVM file.
 *
 * @param digest the 48-byte launch digest
 * @param idBlockDigest the launch digest the file's SNP ID block expects, if it has one
 * @param pagesMeasured number of PAGE_INFO updates (4 KiB pages, VMSAs included)
 * @param vmsaCount number of VMSA pages measured
 */
public record IgvmMeasurement(
    LaunchDigest digest, Optional<LaunchDigest> idBlockDigest, long pagesMeasured, int vmsaCount) {

  /** Whether the file has an ID block and it agrees with the digest. */
  public boolean idBlockMatches() {
    return idBlockDigest.isPresent() && idBlockDigest.get().equals(digest);
  }
}
