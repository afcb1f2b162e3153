package io.cocos.testcvms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seeds' walkthrough end to end over real sockets: keys from cocos-cli keys, the test CVMS
 * server with an algorithm, two datasets and the public key, a stand-in agent that receives the
 * manifest from it, then cocos-cli algo, data, data, result; the result zip holds the answer.
 */
class WalkthroughEndToEndTest {
  /** Sums the integers of every dataset, as a computation over two providers' data would. */
  static final String SUM_PY =
      """
      import os

      total = 0
      for name in sorted(os.listdir("datasets")):
          with open(os.path.join("datasets", name)) as f:
              total += sum(int(x) for x in f.read().split())
      os.makedirs("results", exist_ok=True)
      with open(os.path.join("results", "result.txt"), "w") as f:
          f.write(str(total))
      """;

  @TempDir Path dir;

  @Test
  void algorithmDatasetsAndResultThroughTheTestCvmsServer() throws Exception {
    Path keys = Walkthrough.keys(dir, "ecdsa");
    Path algo = Files.writeString(dir.resolve("sum.py"), SUM_PY);
    Path data1 = Files.writeString(dir.resolve("data1.txt"), "3 4\n");
    Path data2 = Files.writeString(dir.resolve("data2.txt"), "35\n");
    try (Walkthrough w =
        new Walkthrough(dir, Walkthrough.flags(algo, keys.resolve("public.pem"), data1, data2))) {
      assertThat(w.manifest.getDatasetsCount()).isEqualTo(2);
      assertThat(w.manifest.getAgentConfig().getPort()).isEqualTo("7002");

      Walkthrough.Run a =
          w.cli("algo", algo.toString(), keys.resolve("private.pem").toString(), "-a", "python");
      assertThat(a.code()).as(a.err()).isZero();
      assertThat(a.out()).contains("Successfully uploaded algorithm! ✔");

      for (Path data : new Path[] {data1, data2}) {
        Walkthrough.Run d = w.cli("data", data.toString(), keys.resolve("private.pem").toString());
        assertThat(d.code()).as(d.err()).isZero();
        assertThat(d.out()).contains("Successfully uploaded dataset! ✔");
      }

      Walkthrough.Run r =
          w.cli("result", keys.resolve("private.pem").toString(), "-o", "out", "-f", "sum.zip");
      assertThat(r.code()).as(r.err()).isZero();
      Path zip = dir.resolve("out/sum.zip");
      assertThat(r.out())
          .contains("Computation result retrieved and saved successfully! ✔")
          .contains("📁 Location: " + zip);
      assertThat(entry(zip, "result.txt")).isEqualTo("42");

      // the CVMS logged, as JSON lines, what the agent sent: events, logs and the run response
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(w.cvmsLog())
                      .contains("\"agent_event\":{\"event_type\":\"receive manifest\"")
                      .contains("\"agent_log\":{\"message\":\"dataset received: data2.txt\"")
                      .contains("\"run_res\":{\"computation_id\":\"1\"}"));
    }
  }

  static String entry(Path zip, String name) throws IOException {
    try (InputStream in = Files.newInputStream(zip);
        ZipInputStream z = new ZipInputStream(in)) {
      for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
        if (e.getName().equals(name)) {
          return new String(z.readAllBytes(), StandardCharsets.UTF_8);
        }
      }
    }
    throw new AssertionError(name + " is not in " + zip);
  }
}
