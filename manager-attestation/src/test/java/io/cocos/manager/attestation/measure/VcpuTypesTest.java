package io.cocos.manager.attestation.measure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VcpuTypesTest {

  @Test
  void signatureFromFamilyModelStepping() {
    assertThat(VcpuTypes.cpuSig(14, 1, 2)).isEqualTo(0x0E12); // low family
    assertThat(VcpuTypes.cpuSig(23, 1, 2)).isEqualTo(0x800F12); // extended family
    assertThat(VcpuTypes.cpuSig(23, 49, 0)).isEqualTo(0x830F10); // extended model
    assertThat(VcpuTypes.cpuSig(25, 17, 0)).isEqualTo(0xA10F10);
    assertThat(VcpuTypes.cpuSig(26, 0, 0)).isEqualTo(0xB00F00);
    assertThat(VcpuTypes.cpuSig(15, 0, 0)).isEqualTo(0xF00);
    assertThat(VcpuTypes.cpuSig(0, 0, 0)).isZero();
  }

  @ParameterizedTest
  @CsvSource({
    "EPYC,0x800F12",
    "EPYC-v1,0x800F12",
    "EPYC-v2,0x800F12",
    "EPYC-IBPB,0x800F12",
    "EPYC-v3,0x800F12",
    "EPYC-v4,0x800F12",
    "EPYC-Rome,0x830F10",
    "EPYC-Rome-v1,0x830F10",
    "EPYC-Rome-v2,0x830F10",
    "EPYC-Rome-v3,0x830F10",
    "EPYC-Milan,0xA00F11",
    "EPYC-Milan-v1,0xA00F11",
    "EPYC-Milan-v2,0xA00F11",
    "EPYC-Genoa,0xA10F10",
    "EPYC-Genoa-v1,0xA10F10",
    "EPYC-Turin,0xB00F00"
  })
  void namedTypes(String name, String sig) throws Exception {
    assertThat(VcpuTypes.forName(name)).isEqualTo(Integer.decode(sig));
  }

  @Test
  void exactlyTheReferenceNames() {
    assertThat(VcpuTypes.all()).hasSize(16);
  }

  @Test
  void unknownName() {
    assertThatThrownBy(() -> VcpuTypes.forName("EPYC-v9"))
        .isInstanceOf(MeasurementException.class)
        .hasMessageStartingWith("unknown vCPU type 'EPYC-v9' (known: EPYC, EPYC-v1,");
  }
}
