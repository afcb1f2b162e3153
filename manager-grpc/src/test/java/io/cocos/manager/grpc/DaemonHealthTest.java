package io.cocos.manager.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.cocos.manager.grpc.observability.BuildInfo;
import io.cocos.manager.grpc.observability.HttpEndpoint;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DaemonHealthTest {
  @Test
  void startingUntilTheGrpcServerServesThenReady() {
    BuildInfo build = BuildInfo.current();
    DaemonHealth health = new DaemonHealth("manager-1", build);

    HttpEndpoint.Health starting = health.get();
    assertThat(starting.ready()).isFalse();
    assertThat(starting.instanceId()).isEqualTo("manager-1");
    assertThat(starting.build()).isSameAs(build);
    assertThat(starting.details()).isEqualTo(Map.of("grpc", "starting", "cms_link", "starting"));

    health.serving();
    HttpEndpoint.Health serving = health.get();
    assertThat(serving.ready()).isTrue();
    // the CMS link starts last: until then it is shown as starting
    assertThat(serving.details()).isEqualTo(Map.of("grpc", "serving", "cms_link", "starting"));
  }
}
