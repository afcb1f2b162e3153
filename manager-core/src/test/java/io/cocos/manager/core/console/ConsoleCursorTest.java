package io.cocos.manager.core.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsoleCursorTest {
  @TempDir Path tmp;

  Path f;

  ConsoleLog file(String content) throws Exception {
    f = tmp.resolve("console.log");
    Files.writeString(f, content);
    return new ConsoleLog(f);
  }

  static List<String> read(ConsoleCursor c, int maxLines, boolean flush) throws Exception {
    return c.read(maxLines, Integer.MAX_VALUE, flush);
  }

  @Test
  void tailStartsAtTheLastLinesWhateverTheTrailingNewline() throws Exception {
    try (ConsoleCursor c = ConsoleCursor.atTail(file("a\nb\nc\n"), 2)) {
      assertThat(read(c, 10, false)).containsExactly("b", "c");
    }
    try (ConsoleCursor c = ConsoleCursor.atTail(file("a\nb\nc"), 2)) {
      assertThat(read(c, 10, false)).containsExactly("b");
      assertThat(read(c, 10, true)).containsExactly("c");
    }
    try (ConsoleCursor c = ConsoleCursor.atTail(file("a\nb\n"), 10)) {
      assertThat(read(c, 10, false)).containsExactly("a", "b");
    }
    try (ConsoleCursor c = ConsoleCursor.atTail(file("a\nb\n"), 0)) {
      assertThat(read(c, 10, true)).isEmpty();
    }
  }

  @Test
  void followsWhatIsAppendedAndSplitsAcrossReads() throws Exception {
    try (ConsoleCursor c = ConsoleCursor.atTail(file(""), 0)) {
      Files.writeString(f, "hel", StandardOpenOption.APPEND);
      assertThat(read(c, 10, false)).isEmpty();
      Files.writeString(f, "lo\r\nworld\n", StandardOpenOption.APPEND);
      assertThat(read(c, 1, false)).containsExactly("hello");
      assertThat(read(c, 10, false)).containsExactly("world");
    }
  }

  @Test
  void tailReachesAcrossManyBlocks() throws Exception {
    String big = IntStream.range(0, 20_000).mapToObj(i -> "line " + i).collect(Collectors.joining("\n", "", "\n"));
    try (ConsoleCursor c = ConsoleCursor.atTail(file(big), 15_000)) {
      List<String> lines = read(c, 20_000, false);
      assertThat(lines).hasSize(15_000);
      assertThat(lines.get(0)).isEqualTo("line 5000");
    }
  }

  @Test
  void aReaderFarBehindCanSkipToTheEndAndKnowsHowMuchItSkipped() throws Exception {
    try (ConsoleCursor c = ConsoleCursor.atTail(file("0123456789\nabc\nxyz\n"), 3)) {
      assertThat(c.behind()).isEqualTo(19);
      assertThat(c.takeSkipped()).as("a tail asked for is not a skip").isZero();
      c.skipToTail(1);
      assertThat(c.takeSkipped()).isEqualTo(15);
      assertThat(read(c, 10, false)).containsExactly("xyz");
    }
  }

  @Test
  void anEndlessLineIsCutIntoBoundedPieces() throws Exception {
    try (ConsoleCursor c = ConsoleCursor.atTail(file("x".repeat(ConsoleCursor.MAX_LINE * 2 + 5)), 1)) {
      assertThat(read(c, 10, true)).extracting(String::length)
          .containsExactly(ConsoleCursor.MAX_LINE, ConsoleCursor.MAX_LINE, 5);
    }
  }

  @Test
  void aDeletedFileCanStillBeReadToItsEnd() throws Exception {
    try (ConsoleCursor c = ConsoleCursor.atTail(file("before\n"), 1)) {
      Files.delete(f);
      assertThat(read(c, 10, true)).containsExactly("before");
    }
  }

  @Test
  void aBatchHoldsAsManyLinesAsFitItsBytes() throws Exception {
    try (ConsoleCursor c = ConsoleCursor.atTail(file("aaaa\nbbbb\ncccc\ndddd\n"), 10)) {
      assertThat(c.read(Integer.MAX_VALUE, 10, false)).containsExactly("aaaa", "bbbb");
      assertThat(c.read(Integer.MAX_VALUE, 11, false)).containsExactly("cccc", "dddd");
      assertThat(c.read(Integer.MAX_VALUE, 11, true)).isEmpty();
    }
  }

  @Test
  void aRotationIsFollowedWithoutLosingOrRepeatingALine() throws Exception {
    ConsoleLog log = file("one\ntwo\nthree\n");
    try (ConsoleCursor c = ConsoleCursor.atTail(log, 10)) {
      assertThat(read(c, 1, false)).containsExactly("one");
      assertThat(log.rotateIfLargerThan(100)).as("small enough").isZero();
      assertThat(log.rotateIfLargerThan(5)).isEqualTo(14);
      assertThat(f).isEmptyFile();
      assertThat(log.rotatedFile()).hasContent("one\ntwo\nthree\n");
      Files.writeString(f, "four\n", StandardOpenOption.APPEND);
      assertThat(c.behind()).isEqualTo(10 + 5);
      assertThat(read(c, 10, false)).containsExactly("two", "three", "four");
      assertThat(c.takeSkipped()).isZero();
    }
  }

  @Test
  void aReaderTwoRotationsBehindIsToldExactlyWhatItMissed() throws Exception {
    ConsoleLog log = file("a1\na2\n");
    try (ConsoleCursor c = ConsoleCursor.atTail(log, 10)) {
      assertThat(read(c, 1, false)).containsExactly("a1");
      log.rotateIfLargerThan(1);
      Files.writeString(f, "b1\nb2\n", StandardOpenOption.APPEND);
      log.rotateIfLargerThan(1);
      Files.writeString(f, "c1\n", StandardOpenOption.APPEND);
      assertThat(read(c, 10, false)).containsExactly("b1", "b2", "c1");
      assertThat(c.takeSkipped()).as("a2 and its newline").isEqualTo(3);
    }
  }

  @Test
  void aTailLongerThanTheFileReachesIntoTheRotatedCopy() throws Exception {
    ConsoleLog log = file("old1\nold2\nold3\n");
    log.rotateIfLargerThan(1);
    Files.writeString(f, "new1\n", StandardOpenOption.APPEND);
    try (ConsoleCursor c = ConsoleCursor.atTail(log, 3)) {
      assertThat(read(c, 10, false)).containsExactly("old2", "old3", "new1");
    }
    // a later manager finds the rotated copy left on disk
    try (ConsoleCursor c = ConsoleCursor.atTail(new ConsoleLog(f), 100)) {
      assertThat(read(c, 10, false)).containsExactly("old1", "old2", "old3", "new1");
    }
  }

  @Test
  void aFarBehindReaderSkipsPastWhatWasRotated() throws Exception {
    ConsoleLog log = file("x\n".repeat(100));
    try (ConsoleCursor c = ConsoleCursor.atTail(log, 100)) {
      log.rotateIfLargerThan(1);
      Files.writeString(f, "y\nz\n", StandardOpenOption.APPEND);
      assertThat(c.behind()).isEqualTo(204);
      c.skipToTail(1);
      assertThat(c.takeSkipped()).isEqualTo(202);
      assertThat(read(c, 10, false)).containsExactly("z");
    }
  }

  @Test
  void whenNoCopyCanBeMadeTheConsoleIsTruncatedAnywayAndReadersAreTold() throws Exception {
    ConsoleLog log = file("lost1\nlost2\n");
    Files.createDirectories(log.rotatedFile().resolve("in-the-way")); // cannot be replaced by a file
    try (ConsoleCursor c = ConsoleCursor.atTail(log, 10)) {
      assertThat(read(c, 1, false)).containsExactly("lost1");
      assertThatThrownBy(() -> log.rotateIfLargerThan(1)).isInstanceOf(java.io.IOException.class)
          .hasMessageContaining("truncated without a rotated copy (12 bytes dropped)");
      assertThat(f).isEmptyFile();
      Files.writeString(f, "after\n", StandardOpenOption.APPEND);
      assertThat(read(c, 10, false)).containsExactly("after");
      assertThat(c.takeSkipped()).isEqualTo(6);
    }
  }
}
