package io.cocos.cli.commands;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** --version: the Maven project version, written into version.properties at build time. */
public final class Version implements IVersionProvider {
  public static String version() {
    Properties p = new Properties();
    try (InputStream in = Version.class.getResourceAsStream("/io/cocos/cli/version.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // fall through to "unknown"
    }
    return p.getProperty("version", "unknown");
  }

  @Override
  public String[] getVersion() {
    return new String[] {
      "cocos-cli " + version(),
      "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"
    };
  }
}
