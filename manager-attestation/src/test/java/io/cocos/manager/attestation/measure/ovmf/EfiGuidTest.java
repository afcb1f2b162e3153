package io.cocos.manager.attestation.measure.ovmf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class EfiGuidTest {
  @Test
  void mixedEndianBytes() {
    EfiGuid g = EfiGuid.parse("96b582de-1fb2-45f7-baea-a366c55a082d");
    assertThat(HexFormat.of().formatHex(g.toBytes())).isEqualTo("de82b596b21ff745baeaa366c55a082d");
    assertThat(g.toString()).isEqualTo("96b582de-1fb2-45f7-baea-a366c55a082d");
    assertThat(EfiGuid.fromBytes(g.toBytes(), 0)).isEqualTo(g).hasSameHashCodeAs(g);
  }

  @Test
  void rejectsMalformedText() {
    assertThatThrownBy(() -> EfiGuid.parse("96b582de-1fb2-45f7-baea"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> EfiGuid.parse("96b582dz-1fb2-45f7-baea-a366c55a082d"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
