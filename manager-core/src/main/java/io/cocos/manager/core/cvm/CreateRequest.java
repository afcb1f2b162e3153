package io.cocos.manager.core.cvm;

import io.cocos.manager.core.config.BoundedText;

/**
 * What a client asks for when it creates a CVM: the agent's configuration. PEM fields are empty
 * arrays and strings empty when not given. {@code clientKey}, {@code certsToken} and the object
 * storage secret are secrets: this type never prints them.
 *
 * @param certsToken the token the agent presents to its CA (AGENT_CERTS_TOKEN)
 * @param storage object storage credentials for the agent (AWS_*)
 * @param aaKbsParams the attestation agent's KBC parameters (CreateReq.aa_kbs_params), for the
 *     guest kernel command line as agent.aa_kbc_params
 */
public record CreateRequest(
    String agentLogLevel,
    byte[] serverCaCert,
    byte[] clientKey,
    byte[] clientCert,
    String serverUrl,
    String caUrl,
    String ttl,
    String certsToken,
    ObjectStorageAccess storage,
    String aaKbsParams) {

  public CreateRequest {
    agentLogLevel = nullToEmpty(agentLogLevel);
    serverCaCert = serverCaCert == null ? new byte[0] : serverCaCert;
    clientKey = clientKey == null ? new byte[0] : clientKey;
    clientCert = clientCert == null ? new byte[0] : clientCert;
    serverUrl = nullToEmpty(serverUrl);
    caUrl = nullToEmpty(caUrl);
    ttl = nullToEmpty(ttl);
    certsToken = nullToEmpty(certsToken);
    storage = storage == null ? ObjectStorageAccess.NONE : storage;
    aaKbsParams = nullToEmpty(aaKbsParams);
  }

  /** The fields of upstream's mid-2025 API (1–7), without token, storage or KBC parameters. */
  public CreateRequest(
      String agentLogLevel,
      byte[] serverCaCert,
      byte[] clientKey,
      byte[] clientCert,
      String serverUrl,
      String caUrl,
      String ttl) {
    this(
        agentLogLevel,
        serverCaCert,
        clientKey,
        clientCert,
        serverUrl,
        caUrl,
        ttl,
        "",
        ObjectStorageAccess.NONE,
        "");
  }

  /**
   * S3-compatible object storage the agent may fetch from (CreateReq fields 9–12, as upstream).
   * {@code secretAccessKey} is a secret: this type never prints it.
   */
  public record ObjectStorageAccess(
      String accessKeyId, String secretAccessKey, String endpointUrl, String region) {
    public static final ObjectStorageAccess NONE = new ObjectStorageAccess("", "", "", "");

    public ObjectStorageAccess {
      accessKeyId = nullToEmpty(accessKeyId);
      secretAccessKey = nullToEmpty(secretAccessKey);
      endpointUrl = nullToEmpty(endpointUrl);
      region = nullToEmpty(region);
    }

    @Override
    public String toString() {
      return "ObjectStorageAccess[accessKeyId="
          + given(accessKeyId)
          + ", secretAccessKey="
          + given(secretAccessKey)
          + ", endpointUrl="
          + given(endpointUrl)
          + ", region="
          + region
          + "]";
    }
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }

  private static String given(String secret) {
    return secret.isEmpty() ? "(none)" : "(given)";
  }

  @Override
  public String toString() {
    return "CreateRequest[logLevel="
        + BoundedText.of(agentLogLevel)
        + ", serverUrl="
        + BoundedText.of(serverUrl)
        + ", caUrl="
        + BoundedText.of(caUrl)
        + ", ttl="
        + BoundedText.of(ttl)
        + ", serverCa="
        + serverCaCert.length
        + "B, clientCert="
        + clientCert.length
        + "B, clientKey="
        + (clientKey.length > 0 ? "(given)" : "(none)")
        + ", certsToken="
        + given(certsToken)
        + ", storage="
        + storage
        + ", aaKbsParams="
        + BoundedText.of(aaKbsParams)
        + "]";
  }
}
