package io.cocos.manager.core.console;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsoleFollowerTest {
  @TempDir Path tmp;

  Path f;

  ConsoleLog file(String content) throws Exception {
    f = tmp.resolve("console.log");
    Files.writeString(f, content);
    return new ConsoleLog(f);
  }

  static List<String> read(ConsoleFollower follower, boolean flush) throws Exception {
    List<String> lines = new ArrayList<>();
    follower.read(
        64 * 1024,
        Integer.MAX_VALUE,
        flush,
        (b, from, to) -> lines.add(new String(b, from, to - from, UTF_8)));
    return lines;
  }

  /** {@code count} numbered lines of 100 bytes each, newline included. */
  static String lines(int count) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < count; i++) {
      text.append("%08d %s\n".formatted(i, "x".repeat(90)));
    }
    return text.toString();
  }

  @Test
  void aFollowerFarBehindJumpsToTheLastLinesAndCountsWhatItPassedOver() throws Exception {
    int count = (int) (ConsoleFollower.MAX_BEHIND / 100) + 10;
    ConsoleLog log = file(lines(count));
    try (ConsoleFollower follower = ConsoleFollower.atPosition(log, 0)) {
      follower.catchUp();
      long jumped = (long) (count - ConsoleFollower.LINES_AFTER_SKIP) * 100;
      assertThat(follower.position()).isEqualTo(jumped);
      assertThat(follower.takeSkipped()).isEqualTo(jumped);
      assertThat(follower.takeSkipped()).as("taken once").isZero();
      List<String> got = read(follower, false);
      assertThat(got.get(0))
          .startsWith("%08d ".formatted(count - ConsoleFollower.LINES_AFTER_SKIP));
      assertThat(follower.firstLine()).isEqualTo(jumped);
    }
  }

  @Test
  void aFollowerJustWithinReachReadsEverything() throws Exception {
    int count = (int) (ConsoleFollower.MAX_BEHIND / 100);
    ConsoleLog log = file(lines(count));
    try (ConsoleFollower follower = ConsoleFollower.atPosition(log, 0)) {
      follower.catchUp();
      assertThat(follower.position()).isZero();
      assertThat(follower.takeSkipped()).isZero();
    }
  }

  @Test
  void aPartialLineWaitsForItsNewlineOrForTheWriterToEnd() throws Exception {
    ConsoleLog log = file("boot\nlogin: ");
    try (ConsoleFollower follower = ConsoleFollower.atTail(log, 10)) {
      assertThat(read(follower, false)).containsExactly("boot");
      assertThat(follower.read(64 * 1024, 10, false, (b, from, to) -> {}))
          .as("only the prompt, nothing written since")
          .isZero();
      assertThat(follower.position()).isEqualTo(5);
      Files.writeString(f, "root\n", StandardOpenOption.APPEND);
      assertThat(read(follower, false)).containsExactly("login: root");
      assertThat(follower.firstLine()).isEqualTo(5);
      Files.writeString(f, "# ", StandardOpenOption.APPEND);
      assertThat(read(follower, true)).as("the writer ended").containsExactly("# ");
    }
  }

  @Test
  void linesRotatedAwayUnreadAreCountedAndTheFirstLineIsPlacedAfterThem() throws Exception {
    ConsoleLog log = file("a1\na2\n");
    try (ConsoleFollower follower = ConsoleFollower.atTail(log, 10)) {
      log.rotateIfLargerThan(1);
      Files.writeString(f, "b1\n", StandardOpenOption.APPEND);
      log.rotateIfLargerThan(1);
      Files.writeString(f, "c1\n", StandardOpenOption.APPEND);
      assertThat(read(follower, false)).containsExactly("b1");
      assertThat(follower.takeSkipped()).as("a1 and a2, a generation behind").isEqualTo(6);
      assertThat(follower.firstLine()).isEqualTo(6);
      assertThat(read(follower, false)).containsExactly("c1");
      assertThat(follower.takeSkipped()).isZero();
      assertThat(follower.firstLine()).isEqualTo(9);
      assertThat(follower.position()).isEqualTo(12);
    }
  }
}
