package io.cocos.testcvms;

import static org.assertj.core.api.Assertions.assertThat;

import io.cocos.agent.cvms.ComputationRunReq;
import io.cocos.cli.CliContext;
import io.cocos.cli.CocosCli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The pieces of the seeds' walkthrough on one machine: the test CVMS server, a stand-in agent that
 * dialled it, and cocos-cli run in this JVM through its picocli entry.
 */
final class Walkthrough implements AutoCloseable {
  /** One cocos-cli run: exit code and what it printed. */
  record Run(int code, String out, String err) {}

  final Path dir;
  final ByteArrayOutputStream cvmsOutput = new ByteArrayOutputStream();
  final CvmsServer cvms;
  final StandInAgent agent;
  final ComputationRunReq manifest;

  /**
   * Starts the test CVMS server with these flags and a stand-in agent that dials it, and waits for
   * the manifest.
   */
  Walkthrough(Path dir, String... cvmsFlags) throws Exception {
    this.dir = dir;
    cvms =
        TestCvms.start(
            Map.of("HOST", "127.0.0.1", "PORT", "0"),
            new PrintStream(cvmsOutput, true, StandardCharsets.UTF_8),
            cvmsFlags);
    Path agentDir = Files.createDirectories(dir.resolve("agent"));
    agent = StandInAgent.dialPlain("127.0.0.1:" + cvms.port(), agentDir);
    manifest = agent.manifest().get(10, TimeUnit.SECONDS);
  }

  String cvmsLog() {
    return cvmsOutput.toString(StandardCharsets.UTF_8);
  }

  /** cocos-cli with AGENT_GRPC_URL pointing at the stand-in agent, in dir. */
  Run cli(String... args) {
    return cli(Map.of(), args);
  }

  Run cli(Map<String, String> extraEnv, String... args) {
    Map<String, String> env = new HashMap<>();
    env.put("AGENT_GRPC_URL", "127.0.0.1:" + agent.port());
    env.putAll(extraEnv);
    return cliIn(dir, env, args);
  }

  static Run cliIn(Path dir, Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        CocosCli.execute(
            new CliContext(
                env,
                dir,
                new PrintWriter(out, true),
                new PrintWriter(err, true),
                false,
                false,
                Clock.systemUTC()),
            args);
    return new Run(code, out.toString(), err.toString());
  }

  /** `cocos-cli keys -k type` in a directory of its own; returns that directory. */
  static Path keys(Path dir, String type) throws IOException {
    Path keysDir = Files.createDirectories(dir.resolve("keys-" + type));
    Run run = cliIn(keysDir, Map.of(), "keys", "-k", type);
    assertThat(run.code()).as(run.err()).isZero();
    return keysDir;
  }

  /** cvms flags for a local algorithm and datasets, all with this public key. */
  static String[] flags(Path algo, Path publicKey, Path... datasets) {
    List<String> f = new ArrayList<>();
    f.addAll(List.of("-algo-path", algo.toString(), "-public-key-path", publicKey.toString()));
    f.addAll(List.of("-attested-tls-bool", "false"));
    if (datasets.length > 0) {
      StringBuilder paths = new StringBuilder();
      for (Path d : datasets) {
        paths.append(paths.isEmpty() ? "" : ",").append(d);
      }
      f.addAll(List.of("-data-paths", paths.toString()));
    }
    return f.toArray(String[]::new);
  }

  @Override
  public void close() throws Exception {
    agent.close();
    cvms.close();
  }
}
