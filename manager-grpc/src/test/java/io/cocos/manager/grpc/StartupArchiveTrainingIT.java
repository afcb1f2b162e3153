package io.cocos.manager.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cocos.manager.core.testing.ManagerEnvironments;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training run that records the start-up archive (the launcher's, when scripts/train-cds.sh
 * sets COCOS_MANAGER_TRAIN): the manager stops by itself once it serves, without its shutdown, and
 * the JVM still writes the archive, of this JDK's kind, on its way out.
 */
class StartupArchiveTrainingIT {
  @Test
  void aTrainingRunStopsAtServingAndTheJvmWritesTheArchive(@TempDir Path tmp) throws Exception {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    Path archive = tmp.resolve("archive");
    boolean aotCache = Runtime.version().feature() >= 25;
    Path written = Path.of(archive + (aotCache ? ".aot" : ".jsa"));
    String record =
        aotCache ? "-XX:AOTCacheOutput=" + written : "-XX:ArchiveClassesAtExit=" + written;

    try (ManagerProcess manager =
        ManagerProcess.start(
            env,
            List.of(
                record,
                "-D" + Main.TRAINING_RUN + "=true",
                aotCache ? "-Xlog:aot=off" : "-Xlog:cds=off"))) {
      assertThat(manager.process.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(manager.process.exitValue()).isZero();
      // the JDK's own notices of the recording share stdout with the log's JSON lines
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(List.copyOf(manager.stdout))
                      .anySatisfy(line -> assertThat(line).contains("gRPC server listening")));
      assertThat(List.copyOf(manager.stdout)).noneMatch(line -> line.contains("manager stopped"));
    }
    assertThat(written).isNotEmptyFile();
    assertThat(Files.size(written)).isGreaterThan(1 << 20);
  }
}
