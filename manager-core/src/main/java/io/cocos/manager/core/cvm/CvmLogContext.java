package io.cocos.manager.core.cvm;

import org.slf4j.MDC;

/**
 * Puts a CVM's id (and state) on every log line written inside it, as the "cvm" and "state" fields.
 * Unlike MDC.putCloseable it restores what was there before, so contexts nest: an event logged in
 * the middle of a CreateVm does not strip the id from the lines after it.
 */
public final class CvmLogContext implements AutoCloseable {
  private static final String CVM = "cvm";
  private static final String STATE = "state";
  private final String previousCvm;
  private final String previousState;

  private CvmLogContext(String cvmId, CvmState state) {
    previousCvm = MDC.get(CVM);
    previousState = MDC.get(STATE);
    MDC.put(CVM, cvmId);
    if (state != null) {
      MDC.put(STATE, state.wireName());
    }
  }

  public static CvmLogContext of(String cvmId) {
    return new CvmLogContext(cvmId, null);
  }

  public static CvmLogContext of(String cvmId, CvmState state) {
    return new CvmLogContext(cvmId, state);
  }

  @Override
  public void close() {
    restore(CVM, previousCvm);
    restore(STATE, previousState);
  }

  private static void restore(String key, String value) {
    if (value == null) {
      MDC.remove(key);
    } else {
      MDC.put(key, value);
    }
  }
}
