package io.cocos.manager.grpc.observability;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * What /health reports about the build, as upstream's health endpoint does: the version, the git
 * commit (`make manager` passes it; "unknown" otherwise) and the build time, all written into
 * build-info.properties by Maven.
 */
public record BuildInfo(String version, String commit, String buildTime) {
  private static final String RESOURCE = "/io/cocos/manager/grpc/build-info.properties";

  public static BuildInfo current() {
    Properties p = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // reported as unknown below
    }
    return new BuildInfo(
        p.getProperty("version", "unknown"),
        p.getProperty("commit", "unknown"),
        p.getProperty("build_time", "unknown"));
  }
}
