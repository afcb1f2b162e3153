package io.cocos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `measure` prints what sev-snp-measure and igvmmeasure print for the same inputs (vectors and
 * fixtures from sev-snp-measure and igvm-tooling, kept in manager-attestation's test resources).
 */
class MeasureCommandTest {
  static final Path FIXTURES =
      Path.of("../manager-attestation/src/test/resources/snp").toAbsolutePath();
  @TempDir Path work;

  CliRun.Result measure(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "measure";
    System.arraycopy(args, 0, all, 1, args.length);
    return new CliRun(Map.of(), FIXTURES).run(all);
  }

  @Test
  void svsmDigestMatchesTheVectorInHexAndBase64() {
    String expected =
        "9b94745036aafddf4f7f8b00c7513abb5b7703178cb95aaa57928bd963d68d3bfcb715d6019b9167ee2517b11b0d9be7";
    String[] svsm = {
      "--mode",
      "snp:svsm",
      "--vcpus",
      "2",
      "--vcpu-type",
      "EPYC-v4",
      "--ovmf",
      "svsm_ovmf.fd",
      "--svsm",
      "svsm.bin",
      "--vars-size",
      "540672"
    };
    CliRun.Result hex = measure(svsm);
    assertThat(hex.code()).as(hex.toString()).isZero();
    assertThat(hex.outLines()).containsExactly(expected);
    assertThat(hex.err()).isEmpty();

    String[] b64 = Arrays.copyOf(svsm, svsm.length + 2);
    b64[svsm.length] = "--output-format";
    b64[svsm.length + 1] = "base64";
    assertThat(measure(b64).outLines())
        .containsExactly(Base64.getEncoder().encodeToString(HexFormat.of().parseHex(expected)));
  }

  @Test
  void snpWithAPrecomputedOvmfHashMatchesTheVector() {
    CliRun.Result r =
        measure(
            "--mode",
            "snp",
            "--vcpus",
            "1",
            "--vcpu-type",
            "EPYC-v4",
            "--vmm-type",
            "QEMU",
            "--ovmf",
            "ovmf_AmdSev_suffix.bin",
            "--kernel",
            "/dev/null",
            "--initrd",
            "/dev/null",
            "--append",
            "",
            "--guest-features",
            "0x21",
            "--snp-ovmf-hash",
            "086e2e9149ebf45abdc3445fba5b2da8270bdbb04094d7a2c37faaa4b24af3aa16aff8c374c2a55c467a50da6d466b74");
    assertThat(r.outLines())
        .as(r.toString())
        .containsExactly(
            "329c8ce0972ae52343b64d34a434a86f245dfd74f5ed7aae15d22efc78fb9683632b9b50e4e1d7fa41179ef98a7ef198");
  }

  @Test
  void anIgvmFileIsMeasuredAsIgvmmeasureDoes() {
    CliRun.Result r = measure("--igvm", "igvm/test_bzImage_x64.igvm");
    assertThat(r.outLines())
        .as(r.toString())
        .containsExactly(
            "37424f4929b505a76ec5cd8b91355646d22290ecb5a1042df24d79b924a05ad0b880455524744feb8768ee81c88fc8d9");
  }

  @Test
  void badInputIsOneLineAndALocalError() {
    CliRun.Result missing = measure("--igvm", work.resolve("nope.igvm").toString());
    assertThat(missing.code()).isEqualTo(ExitCode.LOCAL);
    assertThat(missing.errLines()).singleElement().asString().startsWith("❌");
    CliRun.Result truncated = measure("--igvm", "svsm.bin");
    assertThat(truncated.code()).isEqualTo(ExitCode.LOCAL);
    assertThat(truncated.errLines()).singleElement().asString().startsWith("❌");
  }
}
