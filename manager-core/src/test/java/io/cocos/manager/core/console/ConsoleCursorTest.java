package io.cocos.manager.core.console;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
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
    return read(c, new byte[64 * 1024], maxLines, flush);
  }

  /** Reads chunk after chunk until {@code maxLines} or nothing more. */
  static List<String> read(ConsoleCursor c, byte[] buffer, int maxLines, boolean flush)
      throws Exception {
    List<String> lines = new ArrayList<>();
    while (lines.size() < maxLines) {
      if (c.read(
              buffer,
              maxLines - lines.size(),
              flush,
              (b, from, to) -> lines.add(new String(b, from, to - from, UTF_8)))
          == 0) {
        break;
      }
    }
    return lines;
  }

  /** One chunk's lines. */
  static List<String> chunk(ConsoleCursor c, byte[] buffer, boolean flush) throws Exception {
    List<String> lines = new ArrayList<>();
    c.read(
        buffer,
        Integer.MAX_VALUE,
        flush,
        (b, from, to) -> lines.add(new String(b, from, to - from, UTF_8)));
    return lines;
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
    String big =
        IntStream.range(0, 20_000)
            .mapToObj(i -> "line " + i)
            .collect(Collectors.joining("\n", "", "\n"));
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
    try (ConsoleCursor c =
        ConsoleCursor.atTail(file("x".repeat(ConsoleCursor.MAX_LINE * 2 + 5)), 1)) {
      assertThat(read(c, 10, true))
          .extracting(String::length)
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
  void aChunkEndsAtItsLastNewlineAndTheLineAcrossItsEndComesWholeInTheNext() throws Exception {
    String line =
        "a"
            .repeat(
                999); // 1000 bytes with its newline: 16 fit a 16 KiB buffer, the 17th crosses its
    // end
    try (ConsoleCursor c = ConsoleCursor.atTail(file((line + "\n").repeat(20)), 20)) {
      byte[] buffer = new byte[ConsoleCursor.MAX_LINE * 2];
      assertThat(chunk(c, buffer, false)).hasSize(16).allMatch(line::equals);
      assertThat(c.behind()).isEqualTo(4000);
      assertThat(chunk(c, buffer, false)).hasSize(4).allMatch(line::equals);
      assertThat(chunk(c, buffer, true)).isEmpty();
    }
  }

  @Test
  void aPartialLineAfterCompleteOnesWaitsForItsNewlineUnlessTheWriterHasEnded() throws Exception {
    try (ConsoleCursor c = ConsoleCursor.atTail(file("one\ntwo\npart"), 10)) {
      assertThat(chunk(c, new byte[64 * 1024], false)).containsExactly("one", "two");
      assertThat(chunk(c, new byte[64 * 1024], false)).isEmpty();
      assertThat(chunk(c, new byte[64 * 1024], true)).containsExactly("part");
      assertThat(c.behind()).isZero();
    }
  }

  @Test
  void carriageReturnsAreRemovedFromLinesEndedByCrlfOrNot() throws Exception {
    try (ConsoleCursor c = ConsoleCursor.atTail(file("one\r\ntwo\r\n\r\nthr\ree\r\n"), 10)) {
      assertThat(read(c, 10, false)).containsExactly("one", "two", "", "three");
    }
  }

  @Test
  void aLineOfExactlyTheLimitIsOneLine() throws Exception {
    String line = "y".repeat(ConsoleCursor.MAX_LINE);
    try (ConsoleCursor c = ConsoleCursor.atTail(file(line + "\nnext\n"), 10)) {
      assertThat(read(c, 10, false)).containsExactly(line, "next");
    }
  }

  @Test
  void aLongUtf8LineIsCutBetweenCharactersSoEachPieceIsValidText() throws Exception {
    // 'x' then two-byte characters: a cut after MAX_LINE bytes would fall inside one
    String line = "x" + "\u00e9".repeat(ConsoleCursor.MAX_LINE);
    try (ConsoleCursor c = ConsoleCursor.atTail(file(line + "\n"), 1)) {
      List<String> pieces = read(c, 10, false);
      assertThat(pieces)
          .hasSizeGreaterThan(1)
          .noneMatch(p -> p.contains("\uFFFD"))
          .allMatch(p -> p.getBytes(UTF_8).length <= ConsoleCursor.MAX_LINE);
      assertThat(String.join("", pieces)).isEqualTo(line);
    }
  }

  @Test
  void invalidUtf8IsHandedOverAsTheGuestWroteIt() throws Exception {
    f = tmp.resolve("console.log");
    Files.write(f, new byte[] {'a', (byte) 0xff, 'b', '\n'});
    try (ConsoleCursor c = ConsoleCursor.atTail(new ConsoleLog(f), 1)) {
      List<byte[]> lines = new ArrayList<>();
      c.read(
          new byte[64 * 1024],
          10,
          false,
          (b, from, to) -> lines.add(Arrays.copyOfRange(b, from, to)));
      assertThat(lines).singleElement().isEqualTo(new byte[] {'a', (byte) 0xff, 'b'});
    }
  }

  @Test
  void theWordAtATimeSearchFindsTheFirstMatchAsAByteByByteOneDoes() {
    Random random = new Random(14);
    // bytes near the newline's value and with the high bit set: where a word-at-a-time test can go
    // wrong
    byte[] alphabet = {
      '\n', '\r', 0x0b, 0x09, (byte) 0x8a, (byte) 0x0a ^ (byte) 0x80, 0x00, (byte) 0xff, 'a', 0x01
    };
    for (int round = 0; round < 2000; round++) {
      byte[] bytes = new byte[random.nextInt(40)];
      for (int i = 0; i < bytes.length; i++) {
        bytes[i] =
            alphabet[
                random.nextInt(round % 2 == 0 ? alphabet.length : alphabet.length - 2)
                    + (round % 2 == 0 ? 0 : 2)];
      }
      int from = bytes.length == 0 ? 0 : random.nextInt(bytes.length);
      int to = from + random.nextInt(bytes.length - from + 1);
      for (byte b : new byte[] {'\n', '\r'}) {
        int expected = -1;
        for (int i = from; i < to && expected < 0; i++) {
          expected = bytes[i] == b ? i : -1;
        }
        assertThat(ConsoleBytes.indexOf(bytes, b, from, to))
            .as("%s in %s[%d, %d)", b, Arrays.toString(bytes), from, to)
            .isEqualTo(expected);
      }
    }
  }

  @Test
  void aBufferNoLargerThanALineIsRefused() throws Exception {
    try (ConsoleCursor c = ConsoleCursor.atTail(file("a\n"), 1)) {
      assertThatThrownBy(
              () -> c.read(new byte[ConsoleCursor.MAX_LINE], 1, false, (b, from, to) -> {}))
          .isInstanceOf(IllegalArgumentException.class);
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
  void aRotationBetweenTwoChunksLosesNoLineAndRepeatsNone() throws Exception {
    List<String> old =
        IntStream.range(0, 30).mapToObj(i -> "%03d %s".formatted(i, "o".repeat(995))).toList();
    ConsoleLog log = file(String.join("\n", old) + "\n");
    try (ConsoleCursor c = ConsoleCursor.atTail(log, 30)) {
      byte[] buffer = new byte[ConsoleCursor.MAX_LINE * 2];
      List<String> got = new ArrayList<>(chunk(c, buffer, false));
      assertThat(got).hasSize(16);
      log.rotateIfLargerThan(1);
      Files.writeString(f, "new 1\nnew 2\n", StandardOpenOption.APPEND);
      got.addAll(read(c, buffer, 100, false));
      assertThat(got.subList(0, 30)).isEqualTo(old);
      assertThat(got.subList(30, got.size())).containsExactly("new 1", "new 2");
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
    Files.createDirectories(
        log.rotatedFile().resolve("in-the-way")); // cannot be replaced by a file
    try (ConsoleCursor c = ConsoleCursor.atTail(log, 10)) {
      assertThat(read(c, 1, false)).containsExactly("lost1");
      assertThatThrownBy(() -> log.rotateIfLargerThan(1))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("truncated without a rotated copy (12 bytes dropped)");
      assertThat(f).isEmptyFile();
      Files.writeString(f, "after\n", StandardOpenOption.APPEND);
      assertThat(read(c, 10, false)).containsExactly("after");
      assertThat(c.takeSkipped()).isEqualTo(6);
    }
  }
}
