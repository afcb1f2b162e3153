package io.cocos.manager.grpc.service;

import io.cocos.manager.core.cvm.CreateRequest;
import io.cocos.manager.core.cvm.CreatedCvm;
import io.cocos.manager.core.cvm.CvmInfo;
import io.cocos.manager.core.cvm.ManagerException;
import io.cocos.manager.core.cvm.ManagerService;
import io.cocos.manager.grpc.observability.UpstreamApiMetrics;
import io.cocos.manager.grpc.observability.UpstreamApiMetrics.Method;

/**
 * Feeds upstream's API series (upstream's manager/api/metrics.go decorator): every call of the four
 * upstream operations, successful or not, with its duration. Our own calls (ListVms, StreamLogs)
 * have no upstream series.
 */
public final class UpstreamApiMetricsService extends ForwardingManagerService {
  private final UpstreamApiMetrics metrics;

  public UpstreamApiMetricsService(ManagerService next, UpstreamApiMetrics metrics) {
    super(next);
    this.metrics = metrics;
  }

  @Override
  public CreatedCvm createVm(CreateRequest request) throws ManagerException, InterruptedException {
    long start = System.nanoTime();
    try {
      return next().createVm(request);
    } finally {
      metrics.record(Method.RUN, System.nanoTime() - start);
    }
  }

  @Override
  public void removeVm(String cvmId) throws ManagerException, InterruptedException {
    long start = System.nanoTime();
    try {
      next().removeVm(cvmId);
    } finally {
      metrics.record(Method.STOP, System.nanoTime() - start);
    }
  }

  @Override
  public CvmInfo cvmInfo(String cvmId) throws ManagerException {
    long start = System.nanoTime();
    try {
      return next().cvmInfo(cvmId);
    } finally {
      metrics.record(Method.RETURN_CVM_INFO, System.nanoTime() - start);
    }
  }

  @Override
  public byte[] attestationPolicy(String cvmId) throws ManagerException, InterruptedException {
    long start = System.nanoTime();
    try {
      return next().attestationPolicy(cvmId);
    } finally {
      metrics.record(Method.FETCH_ATTESTATION_POLICY, System.nanoTime() - start);
    }
  }
}
