package io.cocos.manager.grpc.ui;

import io.cocos.manager.api.ManagerServiceGrpc;
import io.cocos.manager.core.config.Env;
import io.cocos.manager.core.testing.ManagerEnvironments;
import io.cocos.manager.grpc.ManagerDaemon;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A manager in this JVM with the web console on, its QEMU the fake one behind {@link #GUEST}: a
 * wrapper that first prints hostile lines to the console, then does what flag files in its
 * directory say for the next start. The API is served in-process; the console on HTTP.
 */
final class UiManager implements AutoCloseable {
  /** The wrapper around the fake QEMU (Python, like it): %s is the port nothing may reach. */
  private static final String GUEST =
      """
      #!/usr/bin/python3
      import os, sys
      here = os.path.dirname(os.path.abspath(__file__))
      def flag(name):
          try:
              os.unlink(os.path.join(here, name))
              return True
          except FileNotFoundError:
              return False
      qemu = os.path.join(os.path.dirname(here), 'fake-qemu')
      if sys.argv[1:] == ['--version']:
          os.execv(qemu, [qemu, '--version'])
      for line in [
          '<script>window.__pwned=1</script>',
          '<img src=x onerror="window.__pwned=2">',
          '<img src="http://127.0.0.1:%1$d/leak">',
          '<a href="javascript:window.__pwned=3">click me</a>',
          'javascript:window.__pwned=4',
          '<iframe src="http://127.0.0.1:%1$d/frame"></iframe><style>body{display:none}</style>',
          '\\x1b[31mred\\x1b[0m &lt;b&gt; \\u202eevil',
      ]:
          print('hostile: ' + line)
      if flag('bulk-next'):
          for n in range(1, 6001):
              print('bulk ' + str(n).zfill(4) + ' ' + '.' * 30)
      sys.stdout.flush()
      if flag('fail-next'):
          print('<img src=x onerror="window.__pwned=5"> fatal', file=sys.stderr)
          sys.exit(1)
      args = sys.argv[1:]
      if flag('exit-next'):
          i = args.index('-append') + 1
          args[i] += ' fake.exit-after=1.5:7'
      os.execv(qemu, [qemu] + args)
      """;

  final Path dir;
  final Map<String, String> env;
  final ManagerDaemon daemon;
  private final ManagedChannel channel;

  private UiManager(Path dir, Map<String, String> env) throws Exception {
    this.dir = dir;
    this.env = env;
    String name = InProcessServerBuilder.generateName();
    daemon = ManagerDaemon.start(new Env(env), config -> InProcessServerBuilder.forName(name));
    channel = InProcessChannelBuilder.forName(name).build();
  }

  /** The environment of a manager with the console on, its state under {@code dir}. */
  static Map<String, String> environment(Path dir, boolean actions, int leakPort)
      throws IOException {
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(dir);
    // named as the fake QEMU it runs: a restarted manager adopts a QEMU by its binary's name
    Path guest = Files.createDirectories(dir.resolve("hostile")).resolve("fake-qemu");
    Files.writeString(guest, GUEST.formatted(leakPort), StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(guest, PosixFilePermissions.fromString("rwxr-xr-x"));
    env.put("MANAGER_QEMU_BIN_PATH", guest.toString());
    env.put("MANAGER_HTTP_UI", "true");
    env.put("MANAGER_HTTP_UI_ACTIONS", String.valueOf(actions));
    env.put("MANAGER_MAX_VMS", "600");
    return env;
  }

  static UiManager start(Path dir, Map<String, String> env) throws Exception {
    return new UiManager(dir, env);
  }

  /** The next CVM started fails at once, its QEMU's last words hostile. */
  void failNext() throws IOException {
    Files.createFile(dir.resolve("hostile/fail-next"));
  }

  /** The next CVM started first prints 6000 numbered lines ("bulk 0001 ...", 40 bytes each). */
  void bulkNext() throws IOException {
    Files.createFile(dir.resolve("hostile/bulk-next"));
  }

  /** The next CVM started exits by itself 1.5 s later, with code 7. */
  void exitNext() throws IOException {
    Files.createFile(dir.resolve("hostile/exit-next"));
  }

  String url(String page) {
    return "http://127.0.0.1:" + daemon.httpPort() + "/ui/" + page;
  }

  ManagerServiceGrpc.ManagerServiceBlockingStub client() {
    return ManagerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** Stops serving and leaves the CVMs running, for the next manager on {@link #dir} to adopt. */
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    daemon.close();
  }

  /** Removes every CVM (no fake QEMU outlives the test), then stops. */
  @Override
  public void close() throws Exception {
    try {
      for (var r : daemon.lifecycle().listVms()) {
        daemon.lifecycle().removeVm(r.id());
      }
    } finally {
      stop();
    }
  }
}
