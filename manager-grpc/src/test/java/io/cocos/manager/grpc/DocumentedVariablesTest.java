package io.cocos.manager.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md names every environment variable the code reads: each MANAGER_*, COCOS_*
 * and AGENT_* name written in the main sources of any module, and each line of cocos-manager.env.
 */
class DocumentedVariablesTest {
  static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  static final Pattern NAME = Pattern.compile("\"((?:MANAGER|COCOS|AGENT)_[A-Z0-9_]+)\"");

  @Test
  void everyVariableInTheCodeAndTheEnvFileIsDocumented() throws Exception {
    Set<String> read = new TreeSet<>();
    try (Stream<Path> files = Files.walk(REPO)) {
      for (Path file :
          files
              .filter(p -> p.toString().endsWith(".java"))
              .filter(p -> p.toString().contains("/src/main/java/"))
              .toList()) {
        Matcher m = NAME.matcher(Files.readString(file));
        while (m.find()) {
          read.add(m.group(1));
        }
      }
    }
    for (String line : Files.readAllLines(REPO.resolve("cocos-manager.env"))) {
      if (line.matches("[A-Z][A-Z0-9_]*=.*")) {
        read.add(line.substring(0, line.indexOf('=')));
      }
    }
    String docs = Files.readString(REPO.resolve("docs/configuration.md"));
    assertThat(read).hasSizeGreaterThan(50);
    assertThat(read).allSatisfy(name -> assertThat(docs).as(name).contains("`" + name));
  }
}
