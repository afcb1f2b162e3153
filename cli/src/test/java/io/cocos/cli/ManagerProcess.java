package io.cocos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A real manager (manager-grpc's shaded jar) in its own process, configured by environment only,
 * with a fake QEMU. {@link #close} ends it and every process it started.
 */
public final class ManagerProcess implements AutoCloseable {
  private final Process process;
  private final List<String> output = Collections.synchronizedList(new ArrayList<>());
  private final int port;

  private ManagerProcess(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** The manager jar: from failsafe's system property, else next to this module. */
  static Path managerJar() {
    String p = System.getProperty("cocos.manager.jar");
    Path jar = p != null ? Path.of(p) : Path.of("..", "manager-grpc", "target", "cocos-manager.jar");
    assertThat(jar).as("the manager's shaded jar (build manager-grpc first: mvn -pl manager-grpc package)").isRegularFile();
    return jar.toAbsolutePath().normalize();
  }

  /** The environment of a manager with a fake QEMU, state under dir, TEEs off, on a free port. */
  public static Map<String, String> fakeQemuEnv(Path dir) throws IOException {
    Path firmware = Files.createDirectories(dir.resolve("firmware"));
    for (String f : List.of("OVMF_CODE.fd", "OVMF_VARS.fd", "bzImage", "rootfs.cpio.gz")) {
      Files.write(firmware.resolve(f), new byte[4096]);
    }
    Path qemu = dir.resolve("fake-qemu");
    try (InputStream in = ManagerProcess.class.getResourceAsStream("/fake-qemu")) {
      Files.copy(in, qemu, StandardCopyOption.REPLACE_EXISTING);
    }
    Files.setPosixFilePermissions(qemu, PosixFilePermissions.fromString("rwxr-xr-x"));
    int firstPort = 30000 + ThreadLocalRandom.current().nextInt(3000) * 10;
    Map<String, String> env = new HashMap<>();
    env.put("MANAGER_GRPC_HOST", "127.0.0.1");
    env.put("MANAGER_GRPC_PORT", Integer.toString(freePort()));
    env.put("MANAGER_STATE_DIR", dir.resolve("state").toString());
    env.put("MANAGER_QEMU_BIN_PATH", qemu.toString());
    env.put("MANAGER_QEMU_ENABLE_KVM", "false");
    env.put("MANAGER_QEMU_ENABLE_VSOCK", "false");
    env.put("MANAGER_QEMU_ENABLE_SEV_SNP", "false");
    env.put("MANAGER_QEMU_ENABLE_TDX", "false");
    env.put("MANAGER_QEMU_OVMF_CODE_FILE", firmware.resolve("OVMF_CODE.fd").toString());
    env.put("MANAGER_QEMU_OVMF_VARS_FILE", firmware.resolve("OVMF_VARS.fd").toString());
    env.put("MANAGER_QEMU_DISK_IMG_KERNEL_FILE", firmware.resolve("bzImage").toString());
    env.put("MANAGER_QEMU_DISK_IMG_ROOTFS_FILE", firmware.resolve("rootfs.cpio.gz").toString());
    env.put("MANAGER_QEMU_HOST_FWD_RANGE", firstPort + "-" + (firstPort + 19));
    env.put("MANAGER_QEMU_STARTUP_GRACE", "300ms");
    env.put("MANAGER_QEMU_STOP_TIMEOUT", "2s");
    env.put("MANAGER_QEMU_KERNEL_CMDLINE", "console=ttyS0");
    env.put("MANAGER_HTTP_HOST", "127.0.0.1");
    env.put("MANAGER_HTTP_PORT", Integer.toString(freePort()));
    // No tracing exporter dialling out during tests.
    env.put("COCOS_JAEGER_TRACE_RATIO", "0");
    return env;
  }

  /** Starts the manager and waits for "gRPC server listening". */
  public static ManagerProcess start(Map<String, String> env) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar",
        managerJar().toString()).redirectErrorStream(true);
    Map<String, String> penv = pb.environment();
    penv.keySet().removeIf(k -> k.startsWith("MANAGER_") || k.startsWith("COCOS_"));
    penv.putAll(env);
    Process p = pb.start();
    ManagerProcess m = new ManagerProcess(p, Integer.parseInt(env.get("MANAGER_GRPC_PORT")));
    CountDownLatch ready = new CountDownLatch(1);
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          m.output.add(line);
          if (line.contains("gRPC server listening at")) {
            ready.countDown();
          }
        }
      } catch (IOException e) {
        // process gone
      }
    }, "manager-output");
    reader.setDaemon(true);
    reader.start();
    if (!ready.await(30, TimeUnit.SECONDS)) {
      m.close();
      throw new IllegalStateException("the manager did not start; its output:\n" + String.join("\n", m.output));
    }
    return m;
  }

  public int port() {
    return port;
  }

  public String url() {
    return "127.0.0.1:" + port;
  }

  public List<String> output() {
    synchronized (output) {
      return List.copyOf(output);
    }
  }

  /** Ends the manager (SIGTERM, then SIGKILL) and any fake QEMU still alive under it. */
  @Override
  public void close() {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    for (ProcessHandle c : children) {
      if (c.isAlive()) {
        c.destroyForcibly();
      }
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
