package io.cocos.manager.grpc.cms;

import static org.assertj.core.api.Assertions.assertThat;

import io.cocos.manager.api.HostInfoReq;
import io.cocos.manager.api.HostInfoRes;
import io.cocos.manager.cms.api.Hello;
import io.cocos.manager.cms.api.Request;
import io.cocos.manager.cms.api.Response;
import io.cocos.manager.core.config.Env;
import io.cocos.manager.core.host.ProcHostResources;
import io.cocos.manager.core.testing.ManagerEnvironments;
import io.cocos.manager.grpc.ManagerDaemon;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host's capacity reaches the CMS: in the hello, and as the answer to a host_info request. */
class CmsHostInfoTest {
  static final Duration WAIT = Duration.ofSeconds(15);
  @TempDir Path tmp;
  RecordingCms cms;
  ManagerDaemon daemon;

  @AfterEach
  void stop() {
    if (daemon != null) {
      daemon.close();
    }
    if (cms != null) {
      cms.close();
    }
  }

  @Test
  void theHelloCarriesTheHostAndTheCmsCanAskAgain() throws Exception {
    cms = RecordingCms.start(0);
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    env.put("MANAGER_CMS_URL", "127.0.0.1:" + cms.port());
    env.put("MANAGER_QEMU_MEMORY_SIZE", "1G");
    env.put("MANAGER_MAX_VMS", "4");
    daemon = ManagerDaemon.start(new Env(env));

    Hello hello = cms.awaitHello(1, WAIT);
    HostInfoRes host = hello.getHost();
    assertThat(hello.hasHost()).isTrue();
    assertThat(host.getMemoryTotalBytes()).isEqualTo(ProcHostResources.system().memoryTotal());
    assertThat(host.getGuestMemoryPerCvmBytes()).isEqualTo(1L << 30);
    assertThat(host.getMaxVms()).isEqualTo(4);
    assertThat(host.getTee()).isEqualTo("none");
    assertThat(host.getQemuVersion()).isEqualTo("QEMU emulator version 7.2.0 (fake-qemu)");
    assertThat(host.getJdkVersion()).isEqualTo(Runtime.version().toString());

    String id = cms.request(Request.newBuilder().setHostInfo(HostInfoReq.getDefaultInstance()));
    Response response = cms.awaitResponse(id, WAIT);
    assertThat(response.hasHostInfo()).as(response.toString()).isTrue();
    assertThat(response.getHostInfo().getMaxVms()).isEqualTo(4);
    assertThat(response.getHostInfo().getCvmsAvailable()).isEqualTo(host.getCvmsAvailable());
  }
}
