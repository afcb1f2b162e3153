package io.cocos.manager.grpc.cms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cocos.manager.api.CvmSummary;
import io.cocos.manager.api.ListVmsReq;
import io.cocos.manager.api.RemoveReq;
import io.cocos.manager.core.testing.ManagerEnvironments;
import io.cocos.manager.grpc.GuestAgent;
import io.cocos.manager.grpc.ManagerProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole chain, as an operator would run it: the test CMS (its jar, driven through stdin, read
 * through its JSON lines) asks the manager (its jar) for a CVM, and the test guest boots under real
 * QEMU with TCG. The one real boot of the link's tests.
 */
class CmsGuestBootIT {
  static final Path TEST_CMS_JAR = Path.of("../test-cms/target/cocos-test-cms.jar");
  static final Duration BOOT = Duration.ofSeconds(150);
  static final Duration WAIT = Duration.ofSeconds(20);
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  Process testCms;
  Writer commands;
  final List<JsonNode> printed = new CopyOnWriteArrayList<>();
  ManagerProcess manager;

  @AfterEach
  void stop() throws Exception {
    if (manager != null) {
      for (CvmSummary c : manager.client().listVms(ListVmsReq.getDefaultInstance()).getCvmsList()) {
        manager.client().removeVm(RemoveReq.newBuilder().setCvmId(c.getId()).build());
      }
      manager.close();
    }
    if (testCms != null && testCms.isAlive()) {
      testCms.toHandle().destroyForcibly();
      testCms.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void theTestCmsAsksForACvmTheGuestBootsAndItsEventsAndConsoleReachTheCms() throws Exception {
    assertThat(TEST_CMS_JAR).as("the test CMS's jar (build the test-cms module)").exists();
    startTestCms(0);
    int cmsPort =
        awaitPrinted(j -> j.path("event").asText().equals("listening"), WAIT).path("port").asInt();

    Map<String, String> env = ManagerEnvironments.realQemuEnv(tmp);
    env.put("MANAGER_CMS_URL", "127.0.0.1:" + cmsPort);
    manager = ManagerProcess.startServing(env);
    JsonNode hello =
        awaitPrinted(j -> j.at("/message/hello").isObject(), WAIT).at("/message/hello");
    assertThat(hello.path("guest").path("cpu_num").asInt()).isEqualTo(2);
    assertThat(hello.path("cvms").size()).isZero();

    type("create --server-url 10.0.2.2:7001 --log-level debug --ttl 5m --request-id boot-1");
    JsonNode created =
        awaitPrinted(j -> j.at("/message/response/request_id").asText().equals("boot-1"), WAIT)
            .at("/message/response/create");
    String cvmId = created.path("cvm_id").asText();
    int port = created.path("forwarded_port").asInt();
    assertThat(cvmId).isNotEmpty();

    awaitPrinted(
        j ->
            j.at("/message/event/cvm_id").asText().equals(cvmId)
                && j.at("/message/event/type").asText().equals("running"),
        WAIT);
    long start = System.nanoTime();
    awaitPrinted(
        j ->
            lines(j)
                .anyMatch(
                    l ->
                        l.path("cvm_id").asText().equals(cvmId)
                            && l.path("text")
                                .asText()
                                .contains("cocos-test-agent: listening on 7002")),
        BOOT);
    System.out.printf(
        "the guest's agent listened %.1f s after the CVM was running%n",
        (System.nanoTime() - start) / 1e9);
    assertThat(GuestAgent.awaitReport(port, WAIT))
        .contains(
            "env AGENT_CVM_ID=" + cvmId,
            "env AGENT_CVM_GRPC_URL=10.0.2.2:7001",
            "env AGENT_LOG_LEVEL=debug");

    type("info " + cvmId + " --request-id boot-2");
    assertThat(
            awaitPrinted(j -> j.at("/message/response/request_id").asText().equals("boot-2"), WAIT)
                .at("/message/response/cvm_info/cpu_num")
                .asInt())
        .isEqualTo(2);

    type("remove " + cvmId + " --request-id boot-3");
    assertThat(
            awaitPrinted(j -> j.at("/message/response/request_id").asText().equals("boot-3"), WAIT)
                .at("/message/response/remove")
                .isObject())
        .isTrue();
    awaitPrinted(
        j ->
            j.at("/message/event/cvm_id").asText().equals(cvmId)
                && j.at("/message/event/type").asText().equals("removed"),
        WAIT);
    // agent-ready comes when the manager's own probe (every second) sees the agent: before or after
    // the removal began; the removal itself: the power button (ignored by the test guest), then QMP
    // quit, whose SHUTDOWN is the guest-shutdown event
    List<String> types =
        printed.stream()
            .filter(j -> j.at("/message/event/cvm_id").asText().equals(cvmId))
            .map(j -> j.at("/message/event/type").asText())
            .toList();
    assertThat(types)
        .filteredOn(t -> !t.equals("agent-ready"))
        .containsExactly("created", "running", "stopping", "guest-shutdown", "removed");
    assertThat(types).filteredOn(t -> t.equals("agent-ready")).hasSizeLessThanOrEqualTo(1);

    type("quit");
    assertThat(testCms.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(testCms.exitValue()).isZero();
    manager.awaitLog(j -> j.path("msg").asText().startsWith("CMS link down:"), WAIT);
  }

  private void startTestCms(int port) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    testCms =
        new ProcessBuilder(
                java,
                "-jar",
                TEST_CMS_JAR.toString(),
                "--host",
                "127.0.0.1",
                "--port",
                Integer.toString(port))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    commands = new OutputStreamWriter(testCms.getOutputStream(), StandardCharsets.UTF_8);
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(testCms.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  printed.add(JSON.readTree(line));
                }
              } catch (IOException e) {
                // the test CMS ended
              }
            },
            "test-cms-output");
    reader.setDaemon(true);
    reader.start();
  }

  private void type(String command) throws IOException {
    commands.write(command + "\n");
    commands.flush();
  }

  private JsonNode awaitPrinted(Predicate<JsonNode> wanted, Duration timeout) {
    try {
      return await()
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(100))
          .until(() -> printed.stream().filter(wanted).findFirst(), Optional::isPresent)
          .orElseThrow();
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          "the test CMS printed no such line within " + timeout + "; it printed: " + printed, e);
    }
  }

  private static Stream<JsonNode> lines(JsonNode printedLine) {
    return StreamSupport.stream(
        printedLine.at("/message/console_lines/lines").spliterator(), false);
  }
}
