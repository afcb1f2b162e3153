package io.cocos.manager.grpc;

import io.cocos.manager.grpc.cms.CmsLink;
import io.cocos.manager.grpc.observability.BuildInfo;
import io.cocos.manager.grpc.observability.HttpEndpoint;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * What /health says of the daemon, from before restore (liveness answers while a long restore runs)
 * to its stop: ready once the gRPC server serves; the CMS link "starting" until it is started (it
 * starts last), then its state.
 */
final class DaemonHealth implements Supplier<HttpEndpoint.Health> {
  private final String instanceId;
  private final BuildInfo build;
  private final AtomicBoolean ready = new AtomicBoolean();
  private final AtomicReference<CmsLink> link = new AtomicReference<>();

  DaemonHealth(String instanceId, BuildInfo build) {
    this.instanceId = instanceId;
    this.build = build;
  }

  /** The gRPC server serves, restore having finished. */
  void serving() {
    ready.set(true);
  }

  /** The CMS link is started: /health shows its state from now on. */
  void linkStarted(CmsLink started) {
    link.set(started);
  }

  @Override
  public HttpEndpoint.Health get() {
    return new HttpEndpoint.Health(
        ready.get(),
        instanceId,
        build,
        Map.of(
            "grpc",
            ready.get() ? "serving" : "starting",
            "cms_link",
            link.get() == null ? "starting" : link.get().linkState().wireName()));
  }
}
