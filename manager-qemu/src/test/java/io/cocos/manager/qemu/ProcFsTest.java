package io.cocos.manager.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Against real processes of this host, started here with the argv under test. */
class ProcFsTest {
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void stopThem() throws InterruptedException {
    for (Process process : started) {
      process.destroyForcibly().waitFor();
    }
  }

  /**
   * A shell that waits on its stdin (a builtin: no child left behind when it is killed), with
   * {@code arguments} after its $0.
   */
  private long shellWith(String... arguments) throws IOException {
    List<String> argv = new ArrayList<>(List.of("sh", "-c", "read -r line", "sh"));
    argv.addAll(List.of(arguments));
    Process process = new ProcessBuilder(argv).start();
    started.add(process);
    return process.pid();
  }

  @Test
  void findsTheProcessesWithTheWholeArgumentAndNoOthers() throws IOException {
    String option = "-cocos-test-" + UUID.randomUUID();
    long whole = shellWith(option, "/some/file");
    long last = shellWith("first", option);
    long prefixed = shellWith(option + "x", "/some/file");
    long suffixed = shellWith("x" + option);

    assertThat(ProcFs.pidsWithArgument(option))
        .contains(whole, last)
        .doesNotContain(prefixed, suffixed);
  }

  @Test
  void readsAnArgvLongerThanOneChunkToItsEnd() throws IOException {
    String option = "-cocos-test-" + UUID.randomUUID();
    long pid = shellWith("y".repeat(100_000), option, "/some/file");

    assertThat(ProcFs.pidsWithArgument(option)).contains(pid);
    assertThat(ProcFs.cmdline(pid)).endsWith(option, "/some/file");
  }

  @Test
  void aProcessThatEndedIsNotFound() throws IOException, InterruptedException {
    String option = "-cocos-test-" + UUID.randomUUID();
    long pid = shellWith(option);
    started.get(0).destroyForcibly().waitFor();

    assertThat(ProcFs.pidsWithArgument(option)).doesNotContain(pid);
    assertThat(ProcFs.cmdline(pid)).isEmpty();
  }
}
