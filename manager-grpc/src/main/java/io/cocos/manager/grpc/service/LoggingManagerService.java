package io.cocos.manager.grpc.service;

import io.cocos.manager.core.config.GoDuration;
import io.cocos.manager.core.console.ConsoleSource;
import io.cocos.manager.core.cvm.CreateRequest;
import io.cocos.manager.core.cvm.CreatedCvm;
import io.cocos.manager.core.cvm.CvmInfo;
import io.cocos.manager.core.cvm.CvmLogContext;
import io.cocos.manager.core.cvm.CvmRecord;
import io.cocos.manager.core.cvm.HostInfo;
import io.cocos.manager.core.cvm.ManagerException;
import io.cocos.manager.core.cvm.ManagerService;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs every call with its duration, in the words upstream's manager uses ("Method CreateVM for id
 * … on port … took … to complete"), with the CVM id as a structured field.
 */
public final class LoggingManagerService extends ForwardingManagerService {
  private static final Logger log = LoggerFactory.getLogger("io.cocos.manager.api");

  public LoggingManagerService(ManagerService next) {
    super(next);
  }

  @Override
  public CreatedCvm createVm(CreateRequest request) throws ManagerException, InterruptedException {
    long start = System.nanoTime();
    try {
      CreatedCvm created = next().createVm(request);
      try (var c = CvmLogContext.of(created.id())) {
        log.info(
            "Method CreateVM for id {} on port {} took {} to complete",
            created.id(),
            created.forwardedPort(),
            since(start));
      }
      return created;
    } catch (ManagerException | InterruptedException | RuntimeException e) {
      failed("CreateVM", null, start, e);
      throw e;
    }
  }

  @Override
  public void removeVm(String cvmId) throws ManagerException, InterruptedException {
    long start = System.nanoTime();
    try {
      next().removeVm(cvmId);
      done("RemoveVM", cvmId, start);
    } catch (ManagerException | InterruptedException | RuntimeException e) {
      failed("RemoveVM", cvmId, start, e);
      throw e;
    }
  }

  @Override
  public CvmInfo cvmInfo(String cvmId) throws ManagerException {
    long start = System.nanoTime();
    try {
      CvmInfo info = next().cvmInfo(cvmId);
      done("CVMInfo", cvmId, start);
      return info;
    } catch (ManagerException | RuntimeException e) {
      failed("CVMInfo", cvmId, start, e);
      throw e;
    }
  }

  @Override
  public byte[] attestationPolicy(String cvmId) throws ManagerException, InterruptedException {
    long start = System.nanoTime();
    try {
      byte[] policy = next().attestationPolicy(cvmId);
      done("AttestationPolicy", cvmId, start);
      return policy;
    } catch (ManagerException | InterruptedException | RuntimeException e) {
      failed("AttestationPolicy", cvmId, start, e);
      throw e;
    }
  }

  @Override
  public List<CvmRecord> listVms() {
    long start = System.nanoTime();
    List<CvmRecord> all = next().listVms();
    log.debug(
        "Method ListVms returned {} CVM(s) and took {} to complete", all.size(), since(start));
    return all;
  }

  @Override
  public HostInfo hostInfo() {
    long start = System.nanoTime();
    HostInfo info = next().hostInfo();
    log.debug(
        "Method HostInfo reported room for {} more CVM(s) and took {} to complete",
        info.cvmsAvailable(),
        since(start));
    return info;
  }

  @Override
  public ConsoleSource console(String cvmId) throws ManagerException {
    ConsoleSource source = next().console(cvmId);
    try (var c = CvmLogContext.of(cvmId)) {
      log.debug("Method StreamLogs for id {} started", cvmId);
    }
    return source;
  }

  private static void done(String method, String cvmId, long start) {
    try (var c = CvmLogContext.of(cvmId)) {
      log.info("Method {} for id {} took {} to complete", method, cvmId, since(start));
    }
  }

  private static void failed(String method, String cvmId, long start, Exception e) {
    try (var c = cvmId == null ? null : CvmLogContext.of(cvmId)) {
      log.warn(
          "Method {}{} failed to complete successfully with error: {}; took {}",
          method,
          cvmId == null ? "" : " for id " + cvmId,
          e.getMessage(),
          since(start));
    }
  }

  private static String since(long startNanos) {
    return GoDuration.format(Duration.ofNanos(System.nanoTime() - startNanos));
  }
}
