package io.cocos.manager.grpc.service;

import io.cocos.manager.core.console.ConsoleSource;
import io.cocos.manager.core.cvm.CreateRequest;
import io.cocos.manager.core.cvm.CreatedCvm;
import io.cocos.manager.core.cvm.CvmInfo;
import io.cocos.manager.core.cvm.CvmRecord;
import io.cocos.manager.core.cvm.ManagerException;
import io.cocos.manager.core.cvm.ManagerService;
import io.cocos.manager.grpc.observability.UpstreamApiMetrics;
import io.cocos.manager.grpc.observability.UpstreamApiMetrics.Method;
import java.util.List;

/**
 * Feeds upstream's API series (upstream's manager/api/metrics.go decorator): every call of the four
 * upstream operations, successful or not, with its duration. Our own calls (ListVms, StreamLogs)
 * have no upstream series.
 */
public final class UpstreamApiMetricsService implements ManagerService {
  private final ManagerService next;
  private final UpstreamApiMetrics metrics;

  public UpstreamApiMetricsService(ManagerService next, UpstreamApiMetrics metrics) {
    this.next = next;
    this.metrics = metrics;
  }

  @Override
  public CreatedCvm createVm(CreateRequest request) throws ManagerException, InterruptedException {
    long start = System.nanoTime();
    try {
      return next.createVm(request);
    } finally {
      metrics.record(Method.RUN, System.nanoTime() - start);
    }
  }

  @Override
  public void removeVm(String cvmId) throws ManagerException, InterruptedException {
    long start = System.nanoTime();
    try {
      next.removeVm(cvmId);
    } finally {
      metrics.record(Method.STOP, System.nanoTime() - start);
    }
  }

  @Override
  public CvmInfo cvmInfo(String cvmId) throws ManagerException {
    long start = System.nanoTime();
    try {
      return next.cvmInfo(cvmId);
    } finally {
      metrics.record(Method.RETURN_CVM_INFO, System.nanoTime() - start);
    }
  }

  @Override
  public byte[] attestationPolicy(String cvmId) throws ManagerException, InterruptedException {
    long start = System.nanoTime();
    try {
      return next.attestationPolicy(cvmId);
    } finally {
      metrics.record(Method.FETCH_ATTESTATION_POLICY, System.nanoTime() - start);
    }
  }

  @Override
  public List<CvmRecord> listVms() {
    return next.listVms();
  }

  @Override
  public String guestStatus(String cvmId) {
    return next.guestStatus(cvmId);
  }

  @Override
  public java.util.Optional<java.time.Duration> agentReadyAfter(String cvmId) {
    return next.agentReadyAfter(cvmId);
  }

  @Override
  public ConsoleSource console(String cvmId) throws ManagerException {
    return next.console(cvmId);
  }
}
