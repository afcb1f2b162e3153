package io.cocos.manager.core.vm;

import java.nio.file.Path;

/**
 * What the domain hands a hypervisor to launch one CVM: the values that differ per CVM. Everything
 * else (machine, firmware, kernel, TEE) is the hypervisor's own configuration.
 *
 * @param cvmId the CVM's UUID; the hypervisor derives its unique device ids from it
 * @param hostPort host TCP port to forward to the agent's port in the guest
 * @param guestCid vsock context id for the guest
 * @param workDir a directory private to this CVM, removed with it; the hypervisor may keep its own
 *     per-CVM files here (a firmware vars copy)
 * @param certsDir directory shared into the guest as certs_share
 * @param envDir directory shared into the guest as env_share
 * @param consoleLog file that receives the VM's console (stdout and stderr), appended to
 * @param aaKbsParams the attestation agent's KBC parameters for this CVM, validated by the domain
 *     (printable ASCII, no spaces or quotes); empty for none. A hypervisor booting a kernel
 *     directly appends them to its command line as agent.aa_kbc_params.
 */
public record VmLaunchSpec(
    String cvmId,
    int hostPort,
    int guestCid,
    Path workDir,
    Path certsDir,
    Path envDir,
    Path consoleLog,
    String aaKbsParams) {

  public VmLaunchSpec {
    aaKbsParams = aaKbsParams == null ? "" : aaKbsParams;
  }

  /** A CVM without KBC parameters. */
  public VmLaunchSpec(
      String cvmId,
      int hostPort,
      int guestCid,
      Path workDir,
      Path certsDir,
      Path envDir,
      Path consoleLog) {
    this(cvmId, hostPort, guestCid, workDir, certsDir, envDir, consoleLog, "");
  }
}
