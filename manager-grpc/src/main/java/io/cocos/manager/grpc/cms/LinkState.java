package io.cocos.manager.grpc.cms;

import java.util.Locale;

/** Where the link to the Computation Management service stands. */
public enum LinkState {
  /** MANAGER_CMS_URL is not set: the manager runs on its own, without a link. */
  STANDALONE,
  /** Dialling the CMS (the first time, or again after a pause). */
  CONNECTING,
  /** The stream is open and the hello went out. */
  CONNECTED,
  /** The stream broke or could not be opened; waiting before the next attempt. */
  DISCONNECTED,
  /** The manager is stopping; no further attempts. */
  CLOSED;

  /** Lower-case name, as logs and the health endpoint show it. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
