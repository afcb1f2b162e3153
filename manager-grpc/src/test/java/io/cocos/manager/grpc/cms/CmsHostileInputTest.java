package io.cocos.manager.grpc.cms;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cocos.manager.api.AttestationPolicyReq;
import io.cocos.manager.api.CVMInfoReq;
import io.cocos.manager.api.CreateReq;
import io.cocos.manager.api.ListVmsReq;
import io.cocos.manager.api.RemoveReq;
import io.cocos.manager.cms.api.Request;
import io.cocos.manager.cms.api.Response;
import io.cocos.manager.cms.api.StatusCode;
import io.cocos.manager.core.config.Env;
import io.cocos.manager.core.testing.ManagerEnvironments;
import io.cocos.manager.grpc.ManagerDaemon;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile requests over the CMS link, against a real manager connected to a stand-in CMS: each gets
 * the code the gRPC API would answer and a short message, and leaves nothing behind. (Part of the
 * hostile-input suite with HostileInputTest and HostileConfigTest.)
 */
class CmsHostileInputTest {
  static final Duration WAIT = Duration.ofSeconds(15);
  @TempDir static Path tmp;
  static RecordingCms cms;
  static ManagerDaemon daemon;

  @BeforeAll
  static void start() throws Exception {
    cms = RecordingCms.start(0);
    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    env.put("MANAGER_CMS_URL", "127.0.0.1:" + cms.port());
    daemon = ManagerDaemon.start(new Env(env));
    cms.awaitHello(1, WAIT);
  }

  @AfterAll
  static void stop() {
    daemon.close();
    cms.close();
  }

  @AfterEach
  void nothingLeftBehind() throws Exception {
    assertThat(daemon.lifecycle().listVms()).isEmpty();
    try (Stream<Path> cvms = Files.list(tmp.resolve("state/cvms"))) {
      assertThat(cvms).isEmpty();
    }
    assertThat(runningQemusOf(tmp.resolve("state"))).isEmpty();
  }

  /**
   * The live processes whose command line names {@code stateDir} (each QEMU's -pidfile does). QEMU
   * is not the manager's child, so it is looked for in /proc; a zombie has ended.
   */
  private static List<Long> runningQemusOf(Path stateDir) throws Exception {
    List<Long> running = new ArrayList<>();
    try (Stream<Path> pids = Files.list(Path.of("/proc"))) {
      for (Path proc :
          (Iterable<Path>) pids.filter(p -> p.getFileName().toString().matches("\\d+"))::iterator) {
        try {
          String cmdline = Files.readString(proc.resolve("cmdline"), StandardCharsets.ISO_8859_1);
          String stat = Files.readString(proc.resolve("stat"), StandardCharsets.ISO_8859_1);
          char state = stat.charAt(stat.lastIndexOf(')') + 2);
          // not the wrapper shell, QEMU's parent, whose command line names QEMU's
          if (cmdline.contains(stateDir.toString())
              && !cmdline.contains("\0cocos-qemu-wrapper\0")
              && state != 'Z'
              && state != 'X') {
            running.add(Long.parseLong(proc.getFileName().toString()));
          }
        } catch (IOException gone) {
          // ended meanwhile
        }
      }
    }
    return running;
  }

  static Stream<Arguments> cases() {
    String longId = "x".repeat(100_000);
    return Stream.of(
        Arguments.of(
            "request_id of 100000 characters",
            Request.newBuilder().setRequestId(longId).setList(ListVmsReq.getDefaultInstance()),
            StatusCode.INVALID_ARGUMENT),
        Arguments.of(
            "request_id with a newline",
            Request.newBuilder()
                .setRequestId("a\n{\"level\":\"ERROR\"}".repeat(10))
                .setList(ListVmsReq.getDefaultInstance()),
            StatusCode.INVALID_ARGUMENT),
        Arguments.of(
            "no request_id",
            Request.newBuilder().setList(ListVmsReq.getDefaultInstance()),
            StatusCode.INVALID_ARGUMENT),
        Arguments.of(
            "no operation", Request.newBuilder().setRequestId("op-none"), StatusCode.UNIMPLEMENTED),
        Arguments.of(
            "RemoveVm id of 100000 characters",
            withId(Request.newBuilder().setRemove(RemoveReq.newBuilder().setCvmId(longId))),
            StatusCode.INVALID_ARGUMENT),
        Arguments.of(
            "CVMInfo id not a CVM",
            withId(Request.newBuilder().setCvmInfo(CVMInfoReq.newBuilder().setId("nope\u0000"))),
            StatusCode.NOT_FOUND),
        Arguments.of(
            "AttestationPolicy id of 37 characters",
            withId(
                Request.newBuilder()
                    .setAttestationPolicy(AttestationPolicyReq.newBuilder().setId("0".repeat(37)))),
            StatusCode.INVALID_ARGUMENT),
        Arguments.of(
            "CreateVm log level of 500000 characters",
            withId(
                Request.newBuilder()
                    .setCreate(CreateReq.newBuilder().setAgentLogLevel("x".repeat(500_000)))),
            StatusCode.INVALID_ARGUMENT),
        Arguments.of(
            "CreateVm ttl of a million digits",
            withId(
                Request.newBuilder()
                    .setCreate(CreateReq.newBuilder().setTtl("9".repeat(1_000_000)))),
            StatusCode.INVALID_ARGUMENT),
        Arguments.of(
            "CreateVm URL injection",
            withId(
                Request.newBuilder()
                    .setCreate(CreateReq.newBuilder().setAgentCvmServerUrl("h:1\nAGENT_CVM_ID=x"))),
            StatusCode.INVALID_ARGUMENT),
        Arguments.of(
            "CreateVm PEM of 100 KiB",
            withId(
                Request.newBuilder()
                    .setCreate(
                        CreateReq.newBuilder()
                            .setAgentCvmServerCaCert(ByteString.copyFrom(new byte[100 * 1024])))),
            StatusCode.INVALID_ARGUMENT));
  }

  static Request.Builder withId(Request.Builder request) {
    return request.setRequestId("hostile-" + UUID.randomUUID());
  }

  @ParameterizedTest(name = "CMS {0}")
  @MethodSource("cases")
  void aHostileCmsRequestIsAnsweredWithTheApisCodeAndAShortMessage(
      String name, Request.Builder request, StatusCode expected) throws Exception {
    Request sent = request.build();
    cms.send(sent);
    Response answer = cms.awaitResponse(sent.getRequestId(), WAIT);
    assertThat(answer.getError().getCode()).as(answer.getError().getMessage()).isEqualTo(expected);
    assertThat(answer.getError().getMessage()).hasSizeLessThanOrEqualTo(512).doesNotContain("\n");
    // the link is still up and answers
    Request list =
        Request.newBuilder()
            .setRequestId("after-" + UUID.randomUUID())
            .setList(ListVmsReq.getDefaultInstance())
            .build();
    cms.send(list);
    assertThat(cms.awaitResponse(list.getRequestId(), WAIT).hasList()).isTrue();
    assertThat(cms.hellos()).as("the link never broke").hasSize(1);
  }
}
