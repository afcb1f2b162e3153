package io.cocos.manager.qemu.args;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cocos.manager.core.config.MemorySize;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class QemuValuesTest {
  @Test
  void optionValuesHaveTheirCommasDoubled() {
    assertThat(QemuValues.optionValue("/plain/path.fd", "file")).isEqualTo("/plain/path.fd");
    assertThat(QemuValues.optionValue("/a,b", "file")).isEqualTo("/a,,b");
    assertThat(QemuValues.optionValue("x,,y,", "file")).isEqualTo("x,,,,y,,");
    assertThat(QemuValues.optionValue("", "romfile")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"a\u0000b", "a\nb", "a\rb", "a\tb", "a\u001bb", "a\u007fb", "a\u0085b"})
  void controlCharactersAreRefusedEverywhere(String value) {
    assertThatThrownBy(() -> QemuValues.optionValue(value, "IGVM file"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("IGVM file \"a\\x")
        .hasMessageContaining("control character");
    assertThatThrownBy(() -> QemuValues.requirePrintable(value, "kernel"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> QemuValues.requireId(value, "id"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void idsFollowQemusRule() {
    assertThat(QemuValues.requireId("vmnic-0b5e.x_1", "id")).isEqualTo("vmnic-0b5e.x_1");
    for (String bad : new String[] {"0abc", "-a", "a,b", "a b", "a=b", "", "é"}) {
      assertThatThrownBy(() -> QemuValues.requireId(bad, "netdev id"))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("netdev id");
    }
    assertThat(QemuValues.requireIdSuffix("0b5e1c8e-8a3f", "CVM id")).isEqualTo("0b5e1c8e-8a3f");
  }

  @Test
  void eachOptionRendersItsOwnArguments() {
    assertThat(new Smp(4, 4).render()).containsExactly("-smp", "4,maxcpus=4");
    assertThat(new Memory(MemorySize.parse("2048M"), 5, MemorySize.parse("30G")).render())
        .containsExactly("-m", "2048M,slots=5,maxmem=30G");
    assertThat(new PflashDrive("pflash", "raw", 1, "/w/VARS.fd", Optional.empty()).render())
        .containsExactly("-drive", "if=pflash,format=raw,unit=1,file=/w/VARS.fd");
    assertThat(new UserNetdev("vmnic-1", 6100, 7002).render())
        .containsExactly("-netdev", "user,id=vmnic-1,hostfwd=tcp::6100-:7002");
    assertThat(new KernelBoot("k", "quiet console=null", "i").render())
        .containsExactly("-kernel", "k", "-append", "quiet console=null", "-initrd", "i");
    assertThat(new Fsdev9p("cert_fs", Path.of("/c")).render())
        .containsExactly("-fsdev", "local,id=cert_fs,path=/c,security_model=mapped");
    assertThat(new TdxGuest("tdx0-1", 4050).render())
        .containsExactly(
            "-object",
            "{\"qom-type\":\"tdx-guest\",\"id\":\"tdx0-1\",\"quote-generation-socket\":"
                + "{\"type\": \"vsock\", \"cid\":\"2\",\"port\":\"4050\"}}");
  }

  @Test
  void optionsRefuseValuesQemuWouldReject() {
    assertThatThrownBy(() -> new Smp(8, 4)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Memory(MemorySize.parse("4G"), 5, MemorySize.parse("2G")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new VhostVsockPci("v", 2))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new UserNetdev("n", 0, 7002))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SevSnpGuest("s", 51, 1, Optional.of("AAAA")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TdxGuest("t\"", 4050))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
