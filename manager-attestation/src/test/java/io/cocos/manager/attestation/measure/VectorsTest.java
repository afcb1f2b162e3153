package io.cocos.manager.attestation.measure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every row of vectors.tsv (virtee/sev-snp-measure's test vectors, taken on hardware). Cells: "-" =
 * option not given, "''" = empty string, "/dev/null" = an empty file; "expected" is either the hex
 * digest or the exact error message.
 */
class VectorsTest {
  private static final String FILE = "vectors.tsv";
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}|[0-9a-f]{96}");

  @TempDir static Path tmp;
  private static Path empty;

  @BeforeAll
  static void emptyFile() throws IOException {
    empty = Files.createFile(tmp.resolve("empty"));
  }

  static Stream<Arguments> rows() {
    List<String> header = Fixtures.header(FILE);
    return Fixtures.tsv(FILE).stream()
        .map(
            cells -> {
              Map<String, String> row = new HashMap<>();
              for (int i = 0; i < cells.length; i++) {
                row.put(header.get(i), cells[i]);
              }
              return Arguments.of(row.get("name"), row);
            });
  }

  @Test
  void allRowsAreThere() {
    assertThat(Fixtures.tsv(FILE)).hasSize(22);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void vector(String name, Map<String, String> row) throws Exception {
    String expected = row.get("expected");
    if (HEX.matcher(expected).matches()) {
      SnpMeasurementRequest req = request(row);
      LaunchDigest d = LaunchDigestCalculator.calculate(req);
      assertThat(d.hex()).as(name).isEqualTo(expected);
      assertThat(d.format(OutputFormat.BASE64))
          .isEqualTo(Base64.getEncoder().encodeToString(HexFormat.of().parseHex(expected)));
    } else {
      assertThatThrownBy(() -> LaunchDigestCalculator.calculate(request(row)))
          .as(name)
          .isInstanceOf(MeasurementException.class)
          .hasMessage(expected);
    }
  }

  static SnpMeasurementRequest request(Map<String, String> row) throws MeasurementException {
    SnpMeasurementRequest.Builder b =
        SnpMeasurementRequest.builder().mode(row.get("mode")).ovmf(file(row.get("ovmf")));
    String v;
    if ((v = cell(row, "vcpus")) != null) {
      b.vcpus(Integer.parseInt(v));
    }
    b.vcpuType(cell(row, "vcpu_type"));
    if ((v = cell(row, "vmm_type")) != null) {
      b.vmmType(v);
    }
    b.kernel(file(row.get("kernel")));
    b.initrd(file(row.get("initrd")));
    b.append(cell(row, "append"));
    if ((v = cell(row, "guest_features")) != null) {
      b.guestFeatures(SnpMeasurementRequest.parseAutoBase("--guest-features", v));
    }
    b.snpOvmfHash(cell(row, "snp_ovmf_hash"));
    b.svsm(file(row.get("svsm")));
    if ((v = cell(row, "vars_size")) != null) {
      b.varsSize(Long.parseLong(v));
    }
    return b.build();
  }

  private static String cell(Map<String, String> row, String column) {
    String v = row.get(column);
    if (v == null || v.equals("-")) {
      return null;
    }
    return v.equals("''") ? "" : v;
  }

  private static Path file(String cell) {
    if (cell == null || cell.equals("-")) {
      return null;
    }
    if (cell.equals("/dev/null")) {
      return empty;
    }
    return Fixtures.path(cell);
  }
}
