package io.cocos.manager.core.cvm;

import io.cocos.manager.core.console.ConsoleSource;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The manager's operations, free of any transport. gRPC (and the CMS link) call it; logging,
 * metrics and tracing wrap it as decorators.
 */
public interface ManagerService {
  CreatedCvm createVm(CreateRequest request) throws ManagerException, InterruptedException;

  void removeVm(String cvmId) throws ManagerException, InterruptedException;

  CvmInfo cvmInfo(String cvmId) throws ManagerException;

  /** The attestation policy JSON this CVM's reports should be checked against. */
  byte[] attestationPolicy(String cvmId) throws ManagerException, InterruptedException;

  /** Every CVM the manager knows, exited ones included, oldest first. */
  List<CvmRecord> listVms();

  /**
   * What the CVM's guest is doing, in the hypervisor's words (QMP's run state: running, paused,
   * shutdown, internal-error, guest-panicked, ...): the last known for a CVM that ended, empty when
   * unknown (an unknown CVM, or a VM the hypervisor cannot ask).
   */
  String guestStatus(String cvmId);

  /**
   * How long after CreateVm the CVM's agent first answered on its forwarded port; empty until it
   * has (or for an unknown CVM).
   */
  Optional<Duration> agentReadyAfter(String cvmId);

  /** What the host can hold, what its CVMs hold of it, the versions and the features. */
  HostInfo hostInfo();

  /** Where a CVM's console can be read and followed. */
  ConsoleSource console(String cvmId) throws ManagerException;
}
