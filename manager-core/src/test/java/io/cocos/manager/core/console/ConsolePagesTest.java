package io.cocos.manager.core.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pages of a console read backwards from its end, across a rotation, and cursors placed at the
 * absolute offsets the pages report.
 */
class ConsolePagesTest {
  @TempDir Path tmp;

  static void append(Path file, int from, int to) throws IOException {
    StringBuilder b = new StringBuilder();
    for (int i = from; i < to; i++) {
      b.append("line ").append(i).append("\r\n");
    }
    Files.writeString(
        file, b, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
  }

  @Test
  void pagesGoBackToTheOldestLineAcrossARotation() throws IOException {
    Path file = tmp.resolve("console.log");
    ConsoleLog log = new ConsoleLog(file);
    append(file, 0, 500);
    assertThat(log.rotateIfLargerThan(100)).isPositive();
    append(file, 500, 800);
    Files.writeString(file, "partial", StandardOpenOption.APPEND);

    List<String> all = new ArrayList<>();
    ConsolePages.Page page = ConsolePages.read(log, OptionalLong.empty(), 300);
    assertThat(page.lines()).last().isEqualTo("line 799");
    assertThat(page.end()).isEqualTo(log.end() - "partial".length());
    assertThat(page.first()).isZero();
    int pages = 0;
    while (true) {
      assertThat(page.end() - page.start()).isLessThanOrEqualTo(300);
      all.addAll(0, page.lines());
      pages++;
      if (page.start() == page.first()) {
        break;
      }
      ConsolePages.Page older = ConsolePages.read(log, OptionalLong.of(page.start()), 300);
      assertThat(older.end()).isEqualTo(page.start());
      page = older;
    }
    assertThat(pages).isGreaterThan(10);
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 800; i++) {
      expected.add("line " + i);
    }
    assertThat(all).isEqualTo(expected);
  }

  @Test
  void aCursorAtAPagesStartReadsOnFromThere() throws IOException {
    Path file = tmp.resolve("console.log");
    ConsoleLog log = new ConsoleLog(file);
    append(file, 0, 100);
    log.rotateIfLargerThan(10);
    append(file, 100, 120);
    ConsolePages.Page page = ConsolePages.read(log, OptionalLong.of(600), 200);
    try (ConsoleCursor cursor = ConsoleCursor.atPosition(log, page.start())) {
      assertThat(cursor.position()).isEqualTo(page.start());
      List<String> lines = new ArrayList<>();
      byte[] buffer = new byte[64 * 1024];
      while (cursor.read(
              buffer,
              Integer.MAX_VALUE,
              false,
              (b, from, to) -> lines.add(new String(b, from, to - from, StandardCharsets.UTF_8)))
          > 0) {
        // until the end
      }
      assertThat(lines.subList(0, page.lines().size())).isEqualTo(page.lines());
      assertThat(lines).last().isEqualTo("line 119");
      assertThat(cursor.position()).isEqualTo(log.end());
      assertThat(cursor.takeSkipped()).isZero();
    }
  }

  @Test
  void aCursorBeforeTheOldestByteCountsWhatItMissed() throws IOException {
    Path file = tmp.resolve("console.log");
    ConsoleLog log = new ConsoleLog(file);
    append(file, 0, 100);
    log.rotateIfLargerThan(10);
    append(file, 100, 200);
    log.rotateIfLargerThan(10); // the first generation is gone
    long first = ConsolePages.read(log, OptionalLong.empty(), 10).first();
    assertThat(first).isPositive();
    try (ConsoleCursor cursor = ConsoleCursor.atPosition(log, 5)) {
      assertThat(cursor.position()).isEqualTo(first);
      assertThat(cursor.takeSkipped()).isEqualTo(first - 5);
    }
    try (ConsoleCursor cursor = ConsoleCursor.atPosition(log, Long.MAX_VALUE)) {
      assertThat(cursor.position()).isEqualTo(log.end());
    }
  }

  @Test
  void aLineLongerThanAPageComesInPieces() throws IOException {
    Path file = tmp.resolve("console.log");
    ConsoleLog log = new ConsoleLog(file);
    Files.writeString(file, "short\n" + "x".repeat(1000) + "\n");
    ConsolePages.Page page = ConsolePages.read(log, OptionalLong.empty(), 100);
    assertThat(page.lines()).hasSize(1);
    assertThat(page.lines().get(0)).hasSizeLessThanOrEqualTo(100).matches("x+");
    ConsolePages.Page start = ConsolePages.read(log, OptionalLong.of(3), 100);
    assertThat(start.lines()).isEmpty();
    assertThat(start.start()).isZero();
  }
}
