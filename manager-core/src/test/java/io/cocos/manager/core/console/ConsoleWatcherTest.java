package io.cocos.manager.core.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsoleWatcherTest {
  @TempDir Path tmp;

  @Test
  void handsOverAppendedLinesFromTheOffsetAndTheLastPartialLineOnStop() throws Exception {
    Path a = tmp.resolve("a.log");
    Path b = tmp.resolve("b.log");
    Files.writeString(a, "");
    Files.writeString(b, "written before adoption\n");
    List<String> got = new CopyOnWriteArrayList<>();
    try (ConsoleWatcher watcher =
        new ConsoleWatcher(
            (id, line) -> got.add(id + ":" + line), Duration.ofMillis(20), 1 << 20)) {
      watcher.follow("a", a, 0);
      watcher.follow("b", b, Files.size(b));
      Files.writeString(a, "one\ntwo\npart", StandardOpenOption.APPEND);
      Files.writeString(b, "after\n", StandardOpenOption.APPEND);
      await().atMost(Duration.ofSeconds(5)).until(() -> got.size() == 3);
      assertThat(got).containsExactlyInAnyOrder("a:one", "a:two", "b:after");

      watcher.stop("a");
      await().atMost(Duration.ofSeconds(5)).until(() -> got.contains("a:part"));
      Files.writeString(a, "\nignored\n", StandardOpenOption.APPEND);
      // b, still followed, is read in the same polls: once its later line is in, a's would be too
      Files.writeString(b, "marker\n", StandardOpenOption.APPEND);
      await().atMost(Duration.ofSeconds(5)).until(() -> got.contains("b:marker"));
      assertThat(got).doesNotContain("a:ignored");
    }
  }

  @Test
  void aConsoleQuietLongEnoughToBePolledLessStillHasItsNextLinesHandedOver() throws Exception {
    Path quiet = tmp.resolve("quiet.log");
    Files.writeString(quiet, "");
    List<String> got = new CopyOnWriteArrayList<>();
    try (ConsoleWatcher watcher =
        new ConsoleWatcher((id, line) -> got.add(line), Duration.ofMillis(2), 1 << 20)) {
      watcher.follow("q", quiet, 0);
      await().atMost(Duration.ofSeconds(5)).until(() -> watcher.isQuiet("q"));
      Files.writeString(quiet, "after a quiet spell\n", StandardOpenOption.APPEND);
      await().atMost(Duration.ofSeconds(5)).until(() -> got.contains("after a quiet spell"));
      await().atMost(Duration.ofSeconds(5)).until(() -> watcher.isQuiet("q"));
      Files.writeString(quiet, "and again\n", StandardOpenOption.APPEND);
      await().atMost(Duration.ofSeconds(5)).until(() -> got.contains("and again"));
      assertThat(got).containsExactly("after a quiet spell", "and again");
    }
  }

  @Test
  void aMissingFileIsNotFollowedAndBreaksNothing() throws Exception {
    List<String> got = new CopyOnWriteArrayList<>();
    try (ConsoleWatcher watcher =
        new ConsoleWatcher((id, line) -> got.add(line), Duration.ofMillis(20), 1 << 20)) {
      watcher.follow("gone", tmp.resolve("missing.log"), 0);
      watcher.stop("gone");
      Path c = tmp.resolve("c.log");
      Files.writeString(c, "still works\n");
      watcher.follow("c", c, 0);
      await().atMost(Duration.ofSeconds(5)).until(() -> got.contains("still works"));
      assertThat(got).containsExactly("still works"); // nothing came of the missing file
    }
  }

  @Test
  void rotatesAConsoleOverItsLimitAndHandsOverEveryLineAcrossRotations() throws Exception {
    Path console = tmp.resolve("console.log");
    Files.writeString(console, "");
    List<String> got = new CopyOnWriteArrayList<>();
    try (ConsoleWatcher watcher =
        new ConsoleWatcher((id, line) -> got.add(line), Duration.ofMillis(10), 1000)) {
      watcher.follow("r", console, 0);
      ConsoleLog log = watcher.log("r", console);
      assertThat(watcher.log("other", console))
          .as("only a followed console is rotated")
          .isNotSameAs(log);
      for (int i = 0; i < 200; i++) {
        Files.writeString(
            console, "line %04d %s%n".formatted(i, "x".repeat(40)), StandardOpenOption.APPEND);
        if (i % 20 == 0) {
          Thread.sleep(15); // the writer and the watcher take turns, as a guest and the manager do
        }
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> got.size() == 200);
      assertThat(got)
          .containsExactlyElementsOf(
              IntStream.range(0, 200)
                  .mapToObj(i -> "line %04d %s".formatted(i, "x".repeat(40)))
                  .toList());
      await().atMost(Duration.ofSeconds(5)).until(() -> Files.size(console) <= 1000);
      assertThat(log.rotatedFile()).exists();
      assertThat(Files.size(log.rotatedFile())).isLessThan(10_000);
    }
  }
}
