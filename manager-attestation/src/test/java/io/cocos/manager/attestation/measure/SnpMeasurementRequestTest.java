package io.cocos.manager.attestation.measure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SnpMeasurementRequestTest {
  private static final Path OVMF = Path.of("OVMF.fd");

  private static SnpMeasurementRequest.Builder snp() {
    return SnpMeasurementRequest.builder()
        .mode(MeasurementMode.SNP)
        .ovmf(OVMF)
        .vcpus(1)
        .vcpuType("EPYC-v4");
  }

  @Test
  void defaults() throws Exception {
    SnpMeasurementRequest r = snp().build();
    assertThat(r.vmmType()).isEqualTo(VmmType.QEMU);
    assertThat(r.guestFeatures()).isEqualTo(1);
    assertThat(r.vcpuSig()).isEqualTo(0x800F12L);
    assertThat(r.kernel()).isNull();
    assertThat(r.snpOvmfHash()).isNull();
  }

  @Test
  void vcpuSignaturePrecedence() throws Exception {
    // family/model/stepping beats --vcpu-sig beats --vcpu-type, as in the reference CLI
    assertThat(snp().vcpuSig(0x123L).vcpuFamily(25).vcpuModel(1).vcpuStepping(1).build().vcpuSig())
        .isEqualTo(0xA00F11L);
    assertThat(snp().vcpuSig(0x123L).build().vcpuSig()).isEqualTo(0x123L);
    assertThat(snp().vcpuType(null).build().vcpuSig()).isNull();
    assertThat(SnpMeasurementRequest.builder().mode("sev").ovmf(OVMF).build().vcpuSig()).isZero();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "sev|SEV",
        "SEV|SEV",
        "seves|SEV_ES",
        "sev-es|SEV_ES",
        "SEV-ES|SEV_ES",
        "snp|SNP",
        "SEV-SNP|SNP",
        "snp:ovmf-hash|SNP_OVMF_HASH",
        "snp:svsm|SNP_SVSM",
        "sev-snp:svsm|SNP_SVSM"
      })
  void modeNames(String text, MeasurementMode mode) throws Exception {
    assertThat(MeasurementMode.fromCli(text)).isEqualTo(mode);
  }

  @Test
  void vmmAndOutputNames() throws Exception {
    assertThat(VmmType.fromCli("QEMU")).isEqualTo(VmmType.QEMU);
    assertThat(VmmType.fromCli("ec2")).isEqualTo(VmmType.EC2);
    assertThat(VmmType.fromCli("gce")).isEqualTo(VmmType.GCE);
    assertThat(OutputFormat.fromCli("base64")).isEqualTo(OutputFormat.BASE64);
    assertThatThrownBy(() -> VmmType.fromCli("xen"))
        .hasMessage("unknown VMM type 'xen' (expected QEMU, ec2 or gce)");
    assertThatThrownBy(() -> OutputFormat.fromCli("bin")).isInstanceOf(MeasurementException.class);
    assertThatThrownBy(() -> MeasurementMode.fromCli("tdx"))
        .isInstanceOf(MeasurementException.class)
        .hasMessageContaining("unknown mode 'tdx'");
  }

  @Test
  void optionErrors() {
    assertError(SnpMeasurementRequest.builder().ovmf(OVMF), "--mode is required");
    assertError(SnpMeasurementRequest.builder().mode("snp"), "--ovmf is required");
    assertError(snp().vcpus(null), "missing --vcpus N in guest mode 'snp'");
    assertError(snp().vcpus(0), "--vcpus must be between 1 and 4096, not 0");
    assertError(snp().initrd(Path.of("i")), "--kernel required when using --initrd");
    assertError(snp().append("console=ttyS0"), "--kernel required when using --append");
    assertError(snp().vcpuType("i486"), "unknown vCPU type 'i486'");
    assertError(snp().vcpuFamily(23), "--vcpu-family requires --vcpu-model and --vcpu-stepping");
    assertError(
        snp().vcpuFamily(23).vcpuModel(300).vcpuStepping(0),
        "--vcpu-model out of range (0..255): 300");
    assertError(snp().vcpuSig(1L << 32), "--vcpu-sig must fit in 32 bits: 0x100000000");
    assertError(
        snp().snpOvmfHash("abcd"), "--snp-ovmf-hash must be 48 bytes (96 hex digits), not 2 bytes");
    assertError(snp().snpOvmfHash("xyz"), "not a hex digest: 'xyz'");
    assertError(
        snp().mode("seves").snpOvmfHash("00".repeat(48)),
        "--snp-ovmf-hash only works with --mode snp");
    assertError(
        snp().mode("snp:svsm").svsm(Path.of("s")),
        "snp:svsm mode requires --vars-size or --vars-file");
    assertError(snp().mode("snp:svsm").varsSize(1L), "snp:svsm mode requires --svsm");
    assertError(
        snp().mode("snp:svsm").svsm(Path.of("s")).varsSize(1L).varsFile(Path.of("v")),
        "--vars-size conflicts with --vars-file");
    assertError(
        snp().mode("snp:svsm").vmmType("ec2").svsm(Path.of("s")).varsSize(1L),
        "snp:svsm mode is only implemented for QEMU");
    assertError(snp().vmmType("hyperv"), "unknown VMM type 'hyperv' (expected QEMU, ec2 or gce)");
  }

  @Test
  void ovmfHashModeOnlyNeedsTheFirmware() throws Exception {
    SnpMeasurementRequest r =
        SnpMeasurementRequest.builder().mode("snp:ovmf-hash").ovmf(OVMF).build();
    assertThat(r.vcpus()).isNull();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "0x21|33",
        "0X21|33",
        "33|33",
        "0o17|15",
        "0b101|5",
        "0|0",
        "000|0",
        "1_000|1000",
        "0xffffffffffffffff|-1"
      })
  void autoBaseIntegers(String text, long value) throws Exception {
    assertThat(SnpMeasurementRequest.parseAutoBase("--guest-features", text)).isEqualTo(value);
  }

  @ParameterizedTest
  @CsvSource({"012", "-1", "0x", "abc", "0x1ffffffffffffffff", "''"})
  void badAutoBaseIntegers(String text) {
    assertThatThrownBy(() -> SnpMeasurementRequest.parseAutoBase("--vcpu-sig", text))
        .isInstanceOf(MeasurementException.class)
        .hasMessageStartingWith("--vcpu-sig: invalid");
  }

  private static void assertError(SnpMeasurementRequest.Builder b, String message) {
    assertThatThrownBy(b::build)
        .isInstanceOf(MeasurementException.class)
        .hasMessageStartingWith(message);
  }
}
