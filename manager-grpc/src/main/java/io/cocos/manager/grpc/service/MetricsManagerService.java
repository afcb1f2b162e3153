package io.cocos.manager.grpc.service;

import io.cocos.manager.core.cvm.CreateRequest;
import io.cocos.manager.core.cvm.CreatedCvm;
import io.cocos.manager.core.cvm.ManagerException;
import io.cocos.manager.core.cvm.ManagerService;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import java.util.Locale;

/**
 * Counts outcomes an operator alerts on (as upstream's api/metrics.go counts calls): CVM creations
 * and removals by result and failure reason, attestation policies by result.
 */
public final class MetricsManagerService extends ForwardingManagerService {
  private static final AttributeKey<String> OPERATION = AttributeKey.stringKey("operation");
  private static final AttributeKey<String> RESULT = AttributeKey.stringKey("result");
  private static final AttributeKey<String> REASON = AttributeKey.stringKey("reason");
  private final LongCounter operations;
  private final LongCounter policies;

  public MetricsManagerService(ManagerService next, Meter meter) {
    super(next);
    operations =
        meter
            .counterBuilder("manager.cvm.operations")
            .setDescription("CVM creations and removals by result and failure reason")
            .build();
    policies =
        meter
            .counterBuilder("manager.attestation.policies")
            .setDescription("attestation policies served, by result")
            .build();
  }

  @Override
  public CreatedCvm createVm(CreateRequest request) throws ManagerException, InterruptedException {
    try {
      CreatedCvm created = next().createVm(request);
      operations.add(1, outcome("create", null));
      return created;
    } catch (ManagerException e) {
      operations.add(1, outcome("create", e));
      throw e;
    }
  }

  @Override
  public void removeVm(String cvmId) throws ManagerException, InterruptedException {
    try {
      next().removeVm(cvmId);
      operations.add(1, outcome("remove", null));
    } catch (ManagerException e) {
      operations.add(1, outcome("remove", e));
      throw e;
    }
  }

  @Override
  public byte[] attestationPolicy(String cvmId) throws ManagerException, InterruptedException {
    try {
      byte[] policy = next().attestationPolicy(cvmId);
      policies.add(1, Attributes.of(RESULT, "success"));
      return policy;
    } catch (ManagerException e) {
      policies.add(1, Attributes.of(RESULT, "failure", REASON, reason(e)));
      throw e;
    }
  }

  private static Attributes outcome(String operation, ManagerException failure) {
    return failure == null
        ? Attributes.of(OPERATION, operation, RESULT, "success", REASON, "")
        : Attributes.of(OPERATION, operation, RESULT, "failure", REASON, reason(failure));
  }

  private static String reason(ManagerException e) {
    return e.reason().name().toLowerCase(Locale.ROOT);
  }
}
