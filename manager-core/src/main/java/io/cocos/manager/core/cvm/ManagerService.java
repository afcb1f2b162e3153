package io.cocos.manager.core.cvm;

import io.cocos.manager.core.console.ConsoleSource;
import java.util.List;

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

  /** Where a CVM's console can be read and followed. */
  ConsoleSource console(String cvmId) throws ManagerException;
}
