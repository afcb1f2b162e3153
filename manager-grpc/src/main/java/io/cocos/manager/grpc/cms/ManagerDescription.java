package io.cocos.manager.grpc.cms;

import io.cocos.manager.core.vm.GuestDescription;
import io.cocos.manager.core.vm.TeeKind;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Properties;

/**
 * What the hello tells the CMS about this manager, apart from its CVMs: who it is and what it
 * launches.
 *
 * @param instanceId MANAGER_INSTANCE_ID
 * @param version the manager's version, "unknown" when not run from its jar
 * @param startedAt when this manager process started
 * @param tee the TEE its CVMs are launched in
 * @param guest what CVMInfo reports (from the hypervisor)
 * @param eosVersion MANAGER_EOS_VERSION, also reported by CVMInfo
 */
public record ManagerDescription(
    String instanceId,
    String version,
    Instant startedAt,
    TeeKind tee,
    GuestDescription guest,
    String eosVersion) {

  /** This manager process: its version from its jar, its start time from the operating system. */
  public static ManagerDescription of(
      String instanceId, TeeKind tee, GuestDescription guest, String eosVersion) {
    Instant started = ProcessHandle.current().info().startInstant().orElseGet(Instant::now);
    return new ManagerDescription(instanceId, jarVersion(), started, tee, guest, eosVersion);
  }

  /** The Maven version Maven writes into every jar it builds (the shaded jar keeps it). */
  private static String jarVersion() {
    try (InputStream in =
        ManagerDescription.class.getResourceAsStream(
            "/META-INF/maven/io.cocos/manager-grpc/pom.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
