package io.cocos.manager.core.console;

import static org.assertj.core.api.Assertions.assertThat;

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

  Path file(String content) throws Exception {
    Path f = tmp.resolve("console.log");
    Files.writeString(f, content);
    return f;
  }

  @Test
  void tailStartsAtTheLastLinesWhateverTheTrailingNewline() throws Exception {
    try (ConsoleCursor c = ConsoleCursor.atTail(file("a\nb\nc\n"), 2)) {
      assertThat(c.read(10, false)).containsExactly("b", "c");
    }
    try (ConsoleCursor c = ConsoleCursor.atTail(file("a\nb\nc"), 2)) {
      assertThat(c.read(10, false)).containsExactly("b");
      assertThat(c.read(10, true)).containsExactly("c");
    }
    try (ConsoleCursor c = ConsoleCursor.atTail(file("a\nb\n"), 10)) {
      assertThat(c.read(10, false)).containsExactly("a", "b");
    }
    try (ConsoleCursor c = ConsoleCursor.atTail(file("a\nb\n"), 0)) {
      assertThat(c.read(10, true)).isEmpty();
    }
  }

  @Test
  void followsWhatIsAppendedAndSplitsAcrossReads() throws Exception {
    Path f = file("");
    try (ConsoleCursor c = ConsoleCursor.atTail(f, 0)) {
      Files.writeString(f, "hel", StandardOpenOption.APPEND);
      assertThat(c.read(10, false)).isEmpty();
      Files.writeString(f, "lo\r\nworld\n", StandardOpenOption.APPEND);
      assertThat(c.read(1, false)).containsExactly("hello");
      assertThat(c.read(10, false)).containsExactly("world");
    }
  }

  @Test
  void tailReachesAcrossManyBlocks() throws Exception {
    String big = IntStream.range(0, 20_000).mapToObj(i -> "line " + i).collect(Collectors.joining("\n", "", "\n"));
    try (ConsoleCursor c = ConsoleCursor.atTail(file(big), 15_000)) {
      List<String> lines = c.read(20_000, false);
      assertThat(lines).hasSize(15_000);
      assertThat(lines.get(0)).isEqualTo("line 5000");
    }
  }

  @Test
  void aReaderFarBehindCanSkipToTheEndAndKnowsHowMuchItSkipped() throws Exception {
    Path f = file("0123456789\nabc\nxyz\n");
    try (ConsoleCursor c = ConsoleCursor.atTail(f, 3)) {
      assertThat(c.behind()).isEqualTo(19);
      assertThat(c.skipToTail(1)).isEqualTo(15);
      assertThat(c.read(10, false)).containsExactly("xyz");
    }
  }

  @Test
  void anEndlessLineIsCutIntoBoundedPieces() throws Exception {
    try (ConsoleCursor c = ConsoleCursor.atTail(file("x".repeat(ConsoleCursor.MAX_LINE * 2 + 5)), 1)) {
      assertThat(c.read(10, true)).extracting(String::length)
          .containsExactly(ConsoleCursor.MAX_LINE, ConsoleCursor.MAX_LINE, 5);
    }
  }

  @Test
  void aDeletedFileCanStillBeReadToItsEnd() throws Exception {
    Path f = file("before\n");
    try (ConsoleCursor c = ConsoleCursor.atTail(f, 1)) {
      Files.delete(f);
      assertThat(c.read(10, true)).containsExactly("before");
    }
  }
}
