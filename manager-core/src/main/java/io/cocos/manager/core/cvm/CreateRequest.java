package io.cocos.manager.core.cvm;

/**
 * What a client asks for when it creates a CVM: the agent's configuration. PEM fields are empty
 * arrays when not given. {@code clientKey} is a secret: this type never prints it.
 */
public record CreateRequest(
    String agentLogLevel,
    byte[] serverCaCert,
    byte[] clientKey,
    byte[] clientCert,
    String serverUrl,
    String caUrl,
    String ttl) {

  public CreateRequest {
    agentLogLevel = nullToEmpty(agentLogLevel);
    serverCaCert = serverCaCert == null ? new byte[0] : serverCaCert;
    clientKey = clientKey == null ? new byte[0] : clientKey;
    clientCert = clientCert == null ? new byte[0] : clientCert;
    serverUrl = nullToEmpty(serverUrl);
    caUrl = nullToEmpty(caUrl);
    ttl = nullToEmpty(ttl);
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }

  @Override
  public String toString() {
    return "CreateRequest[logLevel=" + agentLogLevel + ", serverUrl=" + serverUrl + ", caUrl=" + caUrl
        + ", ttl=" + ttl + ", serverCa=" + serverCaCert.length + "B, clientCert=" + clientCert.length
        + "B, clientKey=" + (clientKey.length > 0 ? "(given)" : "(none)") + "]";
  }
}
