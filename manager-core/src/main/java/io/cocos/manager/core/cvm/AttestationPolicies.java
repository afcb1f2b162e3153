package io.cocos.manager.core.cvm;

import io.cocos.manager.core.vm.TeeKind;
import java.util.Optional;

/** Where attestation policies come from: external tools or native computation. */
public interface AttestationPolicies {
  /**
   * Called at CreateVm before launch: the launch TCB to remember for the CVM (SEV-SNP), as an
   * unsigned 64-bit decimal, or empty when the TEE has none.
   */
  Optional<String> launchTcb(TeeKind tee) throws ManagerException, InterruptedException;

  /**
   * The policy for a CVM, built from the values it was launched with: JSON, or a CoRIM (CBOR) when
   * the manager is configured for that.
   */
  byte[] policy(CvmRecord cvm) throws ManagerException, InterruptedException;
}
