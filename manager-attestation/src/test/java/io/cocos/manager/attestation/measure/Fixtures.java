package io.cocos.manager.attestation.measure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Test fixtures under src/test/resources/snp (see SOURCE.md there). */
public final class Fixtures {
  private Fixtures() {}

  /** A fixture file on disk, e.g. {@code path("svsm.bin")} or {@code path("igvm/x.igvm")}. */
  public static Path path(String name) {
    URL url = Fixtures.class.getResource("/snp/" + name);
    if (url == null) {
      throw new IllegalArgumentException("no test fixture snp/" + name);
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  public static byte[] bytes(String name) {
    try {
      return Files.readAllBytes(path(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Rows of a TSV fixture as maps from column name to cell, header line excluded. */
  public static List<String[]> tsv(String name) {
    try {
      List<String> lines = Files.readAllLines(path(name), StandardCharsets.UTF_8);
      List<String[]> rows = new ArrayList<>();
      int columns = lines.get(0).split("\t", -1).length;
      for (String line : lines.subList(1, lines.size())) {
        if (line.isBlank()) {
          continue;
        }
        String[] cells = line.split("\t", -1);
        if (cells.length != columns) {
          throw new IllegalStateException(name + ": row has " + cells.length + " cells: " + line);
        }
        rows.add(cells);
      }
      return rows;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static List<String> header(String name) {
    try {
      return Arrays.asList(
          Files.readAllLines(path(name), StandardCharsets.UTF_8).get(0).split("\t", -1));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
