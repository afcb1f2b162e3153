package io.cocos.manager.qemu.args;

import java.util.List;

/**
 * The tdx-guest object in QEMU's JSON form, which the nested quote-generation-socket address needs.
 * The spelling (including the space after {@code "type":}) is upstream's, kept so operators can
 * compare command lines. The id is a validated QEMU id, so it needs no JSON escaping.
 */
public record TdxGuest(String id, int quoteGenerationPort) implements QemuOption {
  /** vsock CID of the host, where the Quote Generation Service listens. */
  private static final int HOST_CID = 2;

  public TdxGuest {
    QemuValues.requireId(id, "TDX guest id");
    if (quoteGenerationPort < 1 || quoteGenerationPort > 65535) {
      throw new IllegalArgumentException("not a port: " + quoteGenerationPort);
    }
  }

  @Override
  public List<String> render() {
    return List.of(
        "-object",
        "{\"qom-type\":\"tdx-guest\",\"id\":\""
            + id
            + "\",\"quote-generation-socket\":"
            + "{\"type\": \"vsock\", \"cid\":\""
            + HOST_CID
            + "\",\"port\":\""
            + quoteGenerationPort
            + "\"}}");
  }
}
