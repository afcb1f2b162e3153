package io.cocos.manager.qemu.args;

import java.util.List;

/** User-mode networking forwarding one host TCP port to the agent's port in the guest. */
public record UserNetdev(String id, int hostPort, int guestPort) implements QemuOption {
  public UserNetdev {
    QemuValues.requireId(id, "netdev id");
    requirePort(hostPort);
    requirePort(guestPort);
  }

  private static void requirePort(int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("not a TCP port: " + port);
    }
  }

  @Override
  public List<String> render() {
    return List.of("-netdev", "user,id=" + id + ",hostfwd=tcp::" + hostPort + "-:" + guestPort);
  }
}
