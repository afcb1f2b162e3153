package io.cocos.manager.grpc.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which MANAGER_HTTP_HOST values let the web console run without client certificates. */
class UiLoopbackTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "localhost",
        "LOCALHOST",
        "127.0.0.1",
        "127.1.2.3",
        "::1",
        "[::1]",
        "0:0:0:0:0:0:0:1"
      })
  void loopback(String host) {
    assertThat(ServerConfig.isLoopback(host)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "0.0.0.0",
        "::",
        "[::]",
        "192.0.2.1",
        "10.0.0.1",
        "localhost.example",
        "example.com",
        "128.0.0.1",
        "::ffff:10.0.0.1",
        ""
      })
  void notLoopback(String host) {
    assertThat(ServerConfig.isLoopback(host)).isFalse();
  }
}
