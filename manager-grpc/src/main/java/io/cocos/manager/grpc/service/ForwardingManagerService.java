package io.cocos.manager.grpc.service;

import io.cocos.manager.core.console.ConsoleSource;
import io.cocos.manager.core.cvm.CreateRequest;
import io.cocos.manager.core.cvm.CreatedCvm;
import io.cocos.manager.core.cvm.CvmInfo;
import io.cocos.manager.core.cvm.CvmRecord;
import io.cocos.manager.core.cvm.HostInfo;
import io.cocos.manager.core.cvm.ManagerException;
import io.cocos.manager.core.cvm.ManagerService;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A {@link ManagerService} that hands every call to the next one, unchanged (as Guava's Forwarding*
 * classes): a decorator extends it and overrides only the calls it logs, counts or times.
 */
public abstract class ForwardingManagerService implements ManagerService {
  private final ManagerService next;

  protected ForwardingManagerService(ManagerService next) {
    this.next = next;
  }

  /** The service this one decorates. */
  protected final ManagerService next() {
    return next;
  }

  @Override
  public CreatedCvm createVm(CreateRequest request) throws ManagerException, InterruptedException {
    return next.createVm(request);
  }

  @Override
  public void removeVm(String cvmId) throws ManagerException, InterruptedException {
    next.removeVm(cvmId);
  }

  @Override
  public CvmInfo cvmInfo(String cvmId) throws ManagerException {
    return next.cvmInfo(cvmId);
  }

  @Override
  public byte[] attestationPolicy(String cvmId) throws ManagerException, InterruptedException {
    return next.attestationPolicy(cvmId);
  }

  @Override
  public List<CvmRecord> listVms() {
    return next.listVms();
  }

  @Override
  public HostInfo hostInfo() {
    return next.hostInfo();
  }

  @Override
  public String guestStatus(String cvmId) {
    return next.guestStatus(cvmId);
  }

  @Override
  public Optional<Duration> agentReadyAfter(String cvmId) {
    return next.agentReadyAfter(cvmId);
  }

  @Override
  public ConsoleSource console(String cvmId) throws ManagerException {
    return next.console(cvmId);
  }
}
