package io.cocos.manager.attestation.measure.igvm;

import static org.assertj.core.api.Assertions.assertThat;

import io.cocos.manager.attestation.measure.Fixtures;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** igvm-vectors.tsv, and the other IGVM fixtures. */
class IgvmVectorsTest {
  private static final String FILE = "igvm-vectors.tsv";

  static Stream<Arguments> rows() {
    List<String> header = Fixtures.header(FILE);
    int name = header.indexOf("name");
    int file = header.indexOf("file");
    int vcpus = header.indexOf("vcpus");
    int expected = header.indexOf("expected");
    return Fixtures.tsv(FILE).stream()
        .map(c -> Arguments.of(c[name], c[file], Integer.parseInt(c[vcpus]), c[expected]));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void vector(String name, String file, int vcpus, String expected) throws Exception {
    // igvmmeasure measures the one VMSA the file carries; the vCPU count plays no part (the
    // vectors were taken with 1 vCPU).
    assertThat(vcpus).isEqualTo(1);
    IgvmMeasurement m = IgvmMeasurer.measure(Fixtures.path(file), IgvmMeasureOptions.DEFAULT);
    assertThat(m.digest().hex()).as(name).isEqualTo(expected);
    assertThat(m.vmsaCount()).isEqualTo(1);
  }

  @Test
  void allRowsAreThere() {
    assertThat(Fixtures.tsv(FILE)).isNotEmpty();
  }

  /**
   * The fixtures carry an SNP ID block written by igvm-tooling with its own digest: igvmmeasure
   * (and this implementation) fail unless the computed digest agrees with it.
   */
  @ParameterizedTest
  @ValueSource(strings = {"t_x86_noopt.igvm", "t_x86_opt.igvm", "test_bzImage_x64.igvm"})
  void everyFixtureAgreesWithItsIdBlock(String file) throws Exception {
    IgvmMeasurement m =
        IgvmMeasurer.measure(Fixtures.path("igvm/" + file), IgvmMeasureOptions.DEFAULT);
    assertThat(m.idBlockDigest()).isPresent();
    assertThat(m.idBlockMatches()).isTrue();
    IgvmMeasurement again =
        IgvmMeasurer.measure(Fixtures.path("igvm/" + file), IgvmMeasureOptions.DEFAULT);
    assertThat(again).isEqualTo(m);
  }
}
