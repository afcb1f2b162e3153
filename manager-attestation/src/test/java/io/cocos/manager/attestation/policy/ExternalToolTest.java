package io.cocos.manager.attestation.policy;

import static io.cocos.manager.attestation.policy.ToolAttestationPoliciesTest.assertGone;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.cocos.manager.core.concurrent.DaemonThreads;
import io.cocos.manager.core.cvm.ManagerException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExternalToolTest {
  private static final Duration SHORT = Duration.ofMillis(300);

  @TempDir Path dir;
  private StandInTools tools;

  @BeforeEach
  void standIns() {
    tools = new StandInTools(dir);
  }

  private static List<String> command(Path script) {
    return List.of(script.toString());
  }

  /** A tool that ignores SIGTERM and runs until killed; its pid is in stubborn.pid. */
  private Path stubbornTool() {
    return tools.script(
        "stubborn",
        "trap '' TERM\necho $$ > "
            + StandInTools.quote(dir.resolve("stubborn.pid"))
            + "\nwhile :; do sleep 0.05; done");
  }

  /** Runs {@code tool} on a thread of its own; what the run throws goes to {@code thrown}. */
  private static Thread runInTheBackground(
      ExternalTool runner, Path tool, AtomicReference<Throwable> thrown) {
    return DaemonThreads.start(
        "caller",
        () -> {
          try {
            runner.run(tool.getFileName() + " tool", command(tool));
          } catch (Exception e) {
            thrown.set(e);
          }
        });
  }

  @Test
  void aSuccessfulRunReturnsStdoutAndStderr() throws Exception {
    Path tool = tools.script("tool", "echo out; echo warning >&2");

    ExternalTool.Output output =
        new ExternalTool(Duration.ofSeconds(10), SHORT).run("tool", command(tool));

    assertThat(output.stdoutText()).isEqualTo("out\n");
    assertThat(output.stderr()).isEqualTo("warning\n");
  }

  @Test
  void aToolIgnoringSigtermIsKilledAfterTheGrace() throws Exception {
    Path tool = stubbornTool();

    long start = System.nanoTime();
    assertThatThrownBy(() -> new ExternalTool(SHORT, SHORT).run("stubborn tool", command(tool)))
        .isInstanceOf(ManagerException.class)
        .hasMessage("stubborn tool did not finish within 300ms and was killed; stderr empty");

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertGone(tools.recordedPid("stubborn.pid"));
  }

  @Test
  void outputBeyondTheLimitIsAnError() {
    Path tool =
        tools.script("chatty", "head -c " + (ExternalTool.MAX_OUTPUT_BYTES + 1) + " /dev/zero");

    assertThatThrownBy(
            () -> new ExternalTool(Duration.ofSeconds(10), SHORT).run("chatty tool", command(tool)))
        .isInstanceOf(ManagerException.class)
        .hasMessage("chatty tool printed more than 4 MiB; stderr empty");
  }

  @Test
  void aToolPrintingWithoutEndIsStoppedLongBeforeTheTimeout() throws Exception {
    Path tool =
        tools.script(
            "endless", "echo $$ > " + StandInTools.quote(dir.resolve("endless.pid")) + "\nyes >&2");

    long start = System.nanoTime();
    assertThatThrownBy(
            () ->
                new ExternalTool(Duration.ofSeconds(30), SHORT).run("endless tool", command(tool)))
        .isInstanceOf(ManagerException.class)
        .hasMessageStartingWith("endless tool printed more than 4 MiB; stderr: y | y | y");

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    assertGone(tools.recordedPid("endless.pid"));
  }

  @Test
  void stderrIsQuotedOnOneLineWithControlCharactersEscaped() {
    Path tool =
        tools.script("noisy", "printf 'first line\\n\\n  second \\033[31mred\\n' >&2; exit 2");

    assertThatThrownBy(
            () -> new ExternalTool(Duration.ofSeconds(10), SHORT).run("noisy tool", command(tool)))
        .hasMessage("noisy tool exited with code 2; stderr: first line | second \\x1b[31mred");
  }

  @Test
  void longStderrIsCut() {
    Path tool = tools.script("verbose", "head -c 5000 /dev/zero | tr '\\0' x >&2; exit 1");

    assertThatThrownBy(
            () ->
                new ExternalTool(Duration.ofSeconds(10), SHORT).run("verbose tool", command(tool)))
        .hasMessage("verbose tool exited with code 1; stderr: " + "x".repeat(2000) + "…");
  }

  /** A child left behind holding stdout, as a daemon would, does not keep the run from ending. */
  @Test
  void aChildKeepingTheOutputOpenDoesNotDelayTheResult() throws Exception {
    Path tool =
        tools.script(
            "forking",
            "sleep 600 &\necho $! > "
                + StandInTools.quote(dir.resolve("child.pid"))
                + "\necho printed");
    try {
      long start = System.nanoTime();
      ExternalTool.Output output =
          new ExternalTool(Duration.ofSeconds(10), SHORT).run("forking tool", command(tool));

      assertThat(output.stdoutText()).isEqualTo("printed\n");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    } finally {
      ProcessHandle.of(tools.recordedPid("child.pid")).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  void theOutputFilesAreRemoved() throws Exception {
    Path paths = dir.resolve("output-files");
    Path tool =
        tools.script("tool", "readlink /proc/$$/fd/1 /proc/$$/fd/2 > " + StandInTools.quote(paths));

    new ExternalTool(Duration.ofSeconds(10), SHORT).run("tool", command(tool));

    List<String> files = Files.readAllLines(paths);
    assertThat(files).hasSize(2).allSatisfy(f -> assertThat(Path.of(f)).doesNotExist());
  }

  @Test
  void anInterruptedRunKillsTheTool() throws Exception {
    Path tool = tools.hanging("hanging");
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread caller =
        runInTheBackground(new ExternalTool(Duration.ofSeconds(60), SHORT), tool, thrown);
    await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(dir.resolve("hanging.child")));

    caller.interrupt();
    caller.join(5000);

    assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    assertGone(tools.recordedPid("hanging.pid"));
  }

  /** A second interrupt, during the grace after SIGTERM, does not keep SIGKILL from coming. */
  @Test
  void anInterruptDuringTheGraceDoesNotSpareAToolIgnoringSigterm() throws Exception {
    Path tool = stubbornTool();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread caller =
        runInTheBackground(
            new ExternalTool(Duration.ofSeconds(60), Duration.ofSeconds(2)), tool, thrown);
    await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(dir.resolve("stubborn.pid")));

    caller.interrupt(); // the run stops the tool: SIGTERM, ignored, then a grace of 2 s
    await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(1)).until(caller::isAlive);
    caller.interrupt(); // within the grace
    caller.join(10_000);

    assertThat(caller.isAlive()).isFalse();
    assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    assertGone(tools.recordedPid("stubborn.pid"));
  }

  @Test
  void durationsAreDescribedAsTheVariableIsWritten() {
    assertThat(ExternalTool.describe(Duration.ofSeconds(60))).isEqualTo("60s");
    assertThat(ExternalTool.describe(Duration.ofMillis(300))).isEqualTo("300ms");
    assertThat(ExternalTool.describe(Duration.ofMillis(1500))).isEqualTo("1500ms");
  }
}
