package io.cocos.manager.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvTest {
  @Test
  void unsetAndBlankMeanTheDefault() {
    Env env = new Env(Map.of("MANAGER_GRPC_PORT", "  "));
    assertThat(env.port("MANAGER_GRPC_PORT", 7001)).isEqualTo(7001);
    assertThat(new Env(Map.of("MANAGER_HTTP_PORT", "0")).listenPort("MANAGER_HTTP_PORT", 7003))
        .isZero();
    assertThatThrownBy(
            () ->
                new Env(Map.of("MANAGER_HTTP_PORT", "65536")).listenPort("MANAGER_HTTP_PORT", 7003))
        .hasMessage(
            "MANAGER_HTTP_PORT=\"65536\": expected a port number from 0 (any free port) to 65535");
    assertThat(env.duration("MANAGER_GRPC_TIMEOUT", Duration.ofSeconds(60)))
        .isEqualTo(Duration.ofSeconds(60));
    assertThat(env.optionalBool("MANAGER_QEMU_ENABLE_SEV_SNP")).isEmpty();
  }

  @Test
  void badValuesNameTheVariableTheValueAndWhatWasExpected() {
    Env env =
        new Env(
            Map.of(
                "MANAGER_GRPC_PORT", "70x1",
                "MANAGER_QEMU_MEMORY_SIZE", "2GB!",
                "MANAGER_QEMU_HOST_FWD_RANGE", "6200-6100",
                "MANAGER_QEMU_ENABLE_KVM", "yes please",
                "MANAGER_GRPC_TIMEOUT", "soon",
                "MANAGER_QEMU_STOP_TIMEOUT", "-30s",
                "COCOS_JAEGER_TRACE_RATIO", "1.5"));
    assertThatThrownBy(() -> env.port("MANAGER_GRPC_PORT", 7001))
        .hasMessage("MANAGER_GRPC_PORT=\"70x1\": expected a port number from 1 to 65535");
    assertThatThrownBy(() -> env.memorySize("MANAGER_QEMU_MEMORY_SIZE", "2048M"))
        .hasMessageStartingWith("MANAGER_QEMU_MEMORY_SIZE=\"2GB!\": expected a size");
    assertThatThrownBy(() -> env.portRange("MANAGER_QEMU_HOST_FWD_RANGE", null))
        .hasMessageStartingWith("MANAGER_QEMU_HOST_FWD_RANGE=\"6200-6100\": expected a port range");
    assertThatThrownBy(() -> env.bool("MANAGER_QEMU_ENABLE_KVM", true))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("\"yes please\"")
        .hasMessageContaining("boolean");
    assertThatThrownBy(() -> env.duration("MANAGER_GRPC_TIMEOUT", Duration.ZERO))
        .hasMessageStartingWith("MANAGER_GRPC_TIMEOUT=\"soon\": expected a duration");
    assertThatThrownBy(() -> env.duration("MANAGER_QEMU_STOP_TIMEOUT", Duration.ZERO))
        .hasMessageStartingWith("MANAGER_QEMU_STOP_TIMEOUT=\"-30s\": expected a duration");
    assertThatThrownBy(() -> env.ratio("COCOS_JAEGER_TRACE_RATIO", 1.0))
        .hasMessageStartingWith("COCOS_JAEGER_TRACE_RATIO=\"1.5\"");
  }

  @Test
  void controlCharactersInAValueAreShownEscapedOnOneLine() {
    ConfigException e = new ConfigException("X", "a\nb", "something");
    assertThat(e.getMessage()).isEqualTo("X=\"a\\x0ab\": expected something").doesNotContain("\n");
    assertThat(e.variable()).isEqualTo("X");
  }

  @Test
  void goBooleansAreAccepted() {
    Env env = new Env(Map.of("A", "1", "B", "F", "C", "True"));
    assertThat(env.bool("A", false)).isTrue();
    assertThat(env.bool("B", true)).isFalse();
    assertThat(env.bool("C", false)).isTrue();
  }

  @Test
  void memorySizesKeepTheirTextAndKnowTheirBytes() {
    assertThat(MemorySize.parse("2048M").bytes()).isEqualTo(2048L << 20);
    assertThat(MemorySize.parse("30G").bytes()).isEqualTo(30L << 30);
    assertThat(MemorySize.parse("4g").text()).isEqualTo("4g");
    assertThatThrownBy(() -> MemorySize.parse("0M")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void lifecycleDefaultsAreUpstreams() {
    LifecycleConfig c = LifecycleConfig.fromEnv(new Env(Map.of()));
    assertThat(c.stateDir()).isEqualTo(Path.of("/tmp/cocos"));
    assertThat(c.maxVms()).isEqualTo(10);
    assertThat(c.hostPorts()).isEqualTo(new PortRange(6100, 6200));
    assertThat(c.firstGuestCid()).isEqualTo(3);
    assertThat(c.stopTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.eosVersion()).isEmpty();
    assertThat(c.consoleLogMaxSize()).isEqualTo(64L << 20);
  }

  @Test
  void theConsoleLogLimitIsASizeOfAtLeastOneMebibyte() {
    assertThat(
            LifecycleConfig.fromEnv(new Env(Map.of("MANAGER_CONSOLE_LOG_MAX_SIZE", "1G")))
                .consoleLogMaxSize())
        .isEqualTo(1L << 30);
    for (String bad : List.of("512K", "lots", "-1M", "0")) {
      assertThatThrownBy(
              () -> LifecycleConfig.fromEnv(new Env(Map.of("MANAGER_CONSOLE_LOG_MAX_SIZE", bad))))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("MANAGER_CONSOLE_LOG_MAX_SIZE")
          .hasMessageContaining("at least 1M");
    }
  }

  @Test
  void hostMemoryAdmissionDefaultsToAOneGibibyteReserveAndNoOvercommit() {
    HostMemoryPolicy p = LifecycleConfig.fromEnv(new Env(Map.of())).hostMemory();
    assertThat(p).isEqualTo(new HostMemoryPolicy("1G", 1.0));
    assertThat(p.guestLimit(32L << 30)).isEqualTo(31L << 30);
    assertThat(p.guestLimit(512L << 20)).isZero();
  }

  @Test
  void theHostMemoryReserveIsASizeOrAShare() {
    HostMemoryPolicy share =
        LifecycleConfig.fromEnv(
                new Env(
                    Map.of(
                        "MANAGER_HOST_MEMORY_RESERVE", "10%",
                        "MANAGER_HOST_MEMORY_OVERCOMMIT", "1.5")))
            .hostMemory();
    assertThat(share.reserveBytes(10L << 30)).isEqualTo(1L << 30);
    assertThat(share.guestLimit(10L << 30)).isEqualTo((long) ((9L << 30) * 1.5));
    assertThat(
            LifecycleConfig.fromEnv(new Env(Map.of("MANAGER_HOST_MEMORY_RESERVE", "512M")))
                .hostMemory()
                .reserveBytes(1L << 40))
        .isEqualTo(512L << 20);
    assertThat(
            LifecycleConfig.fromEnv(new Env(Map.of("MANAGER_HOST_MEMORY_RESERVE", "0")))
                .hostMemory()
                .guestLimit(1L << 30))
        .isEqualTo(1L << 30);
    for (String bad : List.of("lots", "-1G", "100%", "150%", "1.5G")) {
      assertThatThrownBy(
              () -> LifecycleConfig.fromEnv(new Env(Map.of("MANAGER_HOST_MEMORY_RESERVE", bad))))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("MANAGER_HOST_MEMORY_RESERVE");
    }
    for (String bad : List.of("0", "-1", "lots", "101", "NaN", "Infinity")) {
      assertThatThrownBy(
              () -> LifecycleConfig.fromEnv(new Env(Map.of("MANAGER_HOST_MEMORY_OVERCOMMIT", bad))))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("MANAGER_HOST_MEMORY_OVERCOMMIT")
          .hasMessageContaining("greater than 0");
    }
  }
}
