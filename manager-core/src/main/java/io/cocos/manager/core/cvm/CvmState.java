package io.cocos.manager.core.cvm;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The lifecycle of a CVM.
 *
 * <pre>
 * PROVISIONING ─▶ RUNNING ─▶ STOPPING ─▶ REMOVED
 *      │             │           ▲
 *      ▼             ▼           │
 *    FAILED        EXITED ───────┘  (RemoveVm or TTL of an exited CVM)
 * </pre>
 *
 * A CVM in FAILED never becomes visible to clients: CreateVm rolls it back and reports the error.
 * What a CVM holds of the host (port, CID, MAX_VMS slot) is its {@link CvmLease}, not a function of
 * its state: a removal whose files could not all be deleted stays STOPPING holding nothing.
 */
public enum CvmState {
  PROVISIONING,
  RUNNING,
  STOPPING,
  REMOVED,
  EXITED,
  FAILED;

  private Set<CvmState> successors() {
    return switch (this) {
      case PROVISIONING -> EnumSet.of(RUNNING, FAILED, STOPPING);
      case RUNNING -> EnumSet.of(STOPPING, EXITED, FAILED); // FAILED: launched but not recorded
      case EXITED -> EnumSet.of(STOPPING);
      case STOPPING -> EnumSet.of(REMOVED);
      case FAILED -> EnumSet.of(REMOVED);
      case REMOVED -> EnumSet.noneOf(CvmState.class);
    };
  }

  public boolean canBecome(CvmState next) {
    return successors().contains(next);
  }

  /** Lower-case name used on the wire, in logs and in persisted state. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static CvmState fromWireName(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }
}
