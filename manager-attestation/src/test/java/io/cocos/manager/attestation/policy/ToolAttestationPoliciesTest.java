package io.cocos.manager.attestation.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cocos.manager.core.concurrent.DaemonThreads;
import io.cocos.manager.core.config.Env;
import io.cocos.manager.core.cvm.CvmRecord;
import io.cocos.manager.core.cvm.CvmState;
import io.cocos.manager.core.cvm.ManagerException;
import io.cocos.manager.core.vm.TeeKind;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** The upstream tool path of attestation.md, with bash stand-ins for the tools. */
class ToolAttestationPoliciesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What the igvmmeasure stand-in prints: 48 bytes 0x00..0x2f, in hex. */
  private static final byte[] MEASUREMENT = bytes(48, 0);

  private static final String HOST_DATA = StandInTools.base64(32, 0x40);
  private static final String MAX_U64 = "18446744073709551615";

  @TempDir Path dir;
  private StandInTools tools;
  private Path igvm;
  private final Map<String, String> env = new HashMap<>();

  @BeforeEach
  void standIns() throws Exception {
    tools = new StandInTools(dir);
    igvm = Files.writeString(dir.resolve("guest.igvm"), "stands in for an IGVM image");
    env.put(
        "MANAGER_ATTESTATION_POLICY_BINARY",
        tools.policyTool(StandInTools.EXAMPLE_POLICY).toString());
    env.put(
        "MANAGER_IGVMMEASURE_BINARY",
        tools.igvmmeasure(HexFormat.of().formatHex(MEASUREMENT) + "\n").toString());
    env.put("MANAGER_QEMU_IGVM_FILE", igvm.toString());
    env.put("MANAGER_ATTESTATION_TOOL_TIMEOUT", "10s");
  }

  private ToolAttestationPolicies policies() {
    return new ToolAttestationPolicies(
        AttestationConfig.fromEnv(new Env(env), true), Clock.systemUTC(), Duration.ofMillis(500));
  }

  private static CvmRecord cvm(TeeKind tee, String launchTcb) {
    return new CvmRecord(
        "cvm-1",
        CvmState.RUNNING,
        tee,
        7020,
        3,
        4242,
        Instant.EPOCH,
        Instant.EPOCH,
        null,
        null,
        null,
        launchTcb,
        0);
  }

  private static byte[] bytes(int n, int first) {
    byte[] b = new byte[n];
    IntStream.range(0, n).forEach(i -> b[i] = (byte) (first + i));
    return b;
  }

  private static ObjectNode tree(byte[] json) throws Exception {
    return (ObjectNode) JSON.readTree(json);
  }

  private static ObjectNode tree(String json) throws Exception {
    return (ObjectNode) JSON.readTree(json);
  }

  private static List<String> keys(JsonNode node) {
    List<String> keys = new ArrayList<>();
    node.fieldNames().forEachRemaining(keys::add);
    return keys;
  }

  // ------------------------------------------------------------------ the full SEV-SNP policy

  @Test
  void snpPolicySetsMeasurementHostDataAndLaunchTcbAndKeepsEverythingElse() throws Exception {
    env.put("MANAGER_PCR_VALUES", dir.resolve("pcr.json").toString());
    env.put("MANAGER_QEMU_ENABLE_HOST_DATA", "true");
    env.put("MANAGER_QEMU_HOST_DATA", HOST_DATA);

    byte[] policy = policies().policy(cvm(TeeKind.SEV_SNP, MAX_U64));

    ObjectNode printed = tree(StandInTools.EXAMPLE_POLICY);
    ObjectNode expected = printed.deepCopy();
    ((ObjectNode) expected.get("policy"))
        .put("measurement", Base64.getEncoder().encodeToString(MEASUREMENT))
        .put("host_data", HOST_DATA)
        .set("minimum_launch_tcb", BigIntegerNode.valueOf(new BigInteger(MAX_U64)));
    ObjectNode answered = tree(policy);
    assertThat(answered).isEqualTo(expected);
    assertThat(answered.get("pcr_values")).isEqualTo(printed.get("pcr_values"));
    assertThat(keys(answered)).containsExactlyElementsOf(keys(printed));
    assertThat(keys(answered.get("policy"))).containsExactlyElementsOf(keys(printed.get("policy")));
    // Unsigned 64-bit values are written as exact JSON numbers, never wrapped or quoted.
    String text = new String(policy, StandardCharsets.UTF_8);
    assertThat(text)
        .contains("\"minimum_launch_tcb\": " + MAX_U64 + ",")
        .contains("\"minimum_tcb\": " + StandInTools.EXAMPLE_TCB + ",");

    assertThat(tools.argv("attestation_policy"))
        .contains(List.of("--policy", "196608", "--pcr", dir.resolve("pcr.json").toString()));
    assertThat(tools.argv("igvmmeasure")).contains(List.of(igvm.toString(), "measure", "-b"));
  }

  @Test
  void policyToolGetsOnlyThePolicyWithoutPcrValues() throws Exception {
    policies().policy(cvm(TeeKind.SEV_SNP, "1"));

    assertThat(tools.argv("attestation_policy")).contains(List.of("--policy", "196608"));
  }

  @Test
  void hostDataIsLeftAsPrintedWhenHostDataIsDisabled() throws Exception {
    ObjectNode answered = tree(policies().policy(cvm(TeeKind.SEV_SNP, "1")));

    assertThat(answered.at("/policy/host_data"))
        .isEqualTo(tree(StandInTools.EXAMPLE_POLICY).at("/policy/host_data"));
  }

  @Test
  void policyIsPrettyPrintedWithTwoSpaces() throws Exception {
    tools.setPolicyOutput(
        "{\"policy\":{\"vmpl\":2,\"product\":{},\"ids\":[1,2]},\"root_of_trust\":{\"product\":\"Milan\"}}");

    String text = new String(policies().policy(cvm(TeeKind.SEV_SNP, "7")), StandardCharsets.UTF_8);

    assertThat(text)
        .isEqualTo(
            """
        {
          "policy": {
            "vmpl": 2,
            "product": {},
            "ids": [
              1,
              2
            ],
            "measurement": "%s",
            "minimum_launch_tcb": 7
          },
          "root_of_trust": {
            "product": "Milan"
          }
        }"""
                .formatted(Base64.getEncoder().encodeToString(MEASUREMENT)));
  }

  @Test
  void camelCaseFieldsAreSetUnderTheNameTheToolPrinted() throws Exception {
    tools.setPolicyOutput(
        """
        {"rootOfTrust": {"productLine": "Genoa"}, "policy": {"minimumLaunchTcb": "5", "hostData": "",
         "measurement": "", "minimumTcb": "15352208179752599555", "requireIdBlock": false}}""");
    env.put("MANAGER_QEMU_ENABLE_HOST_DATA", "true");
    env.put("MANAGER_QEMU_HOST_DATA", HOST_DATA);

    ObjectNode answered = tree(policies().policy(cvm(TeeKind.SEV_SNP, StandInTools.EXAMPLE_TCB)));

    JsonNode policy = answered.get("policy");
    assertThat(keys(policy))
        .containsExactly(
            "minimumLaunchTcb", "hostData", "measurement", "minimumTcb", "requireIdBlock");
    assertThat(policy.get("minimumLaunchTcb").bigIntegerValue())
        .isEqualTo(new BigInteger(StandInTools.EXAMPLE_TCB));
    assertThat(policy.get("hostData").textValue()).isEqualTo(HOST_DATA);
    assertThat(policy.get("minimumTcb").textValue()).isEqualTo("15352208179752599555");
    assertThat(answered.get("rootOfTrust")).isEqualTo(tree("{\"productLine\": \"Genoa\"}"));
  }

  @Test
  void bothSpellingsOfAFieldAreRefusedAsVerifiersWould() {
    tools.setPolicyOutput("{\"policy\": {\"minimum_launch_tcb\": 1, \"minimumLaunchTcb\": 1}}");

    assertThatThrownBy(() -> policies().policy(cvm(TeeKind.SEV_SNP, "1")))
        .isInstanceOfSatisfying(
            ManagerException.class,
            e -> assertThat(e.reason()).isEqualTo(ManagerException.Reason.FAILED_PRECONDITION))
        .hasMessageContaining("attestation policy tool " + dir.resolve("attestation_policy"))
        .hasMessageContaining("both policy.minimum_launch_tcb and policy.minimumLaunchTcb");
  }

  @Test
  void aToolPrintingNoPolicyObjectGetsOneWithTheThreeFields() throws Exception {
    tools.setPolicyOutput("{\"root_of_trust\": {\"product\": \"Milan\"}}");

    ObjectNode answered = tree(policies().policy(cvm(TeeKind.SEV_SNP, "9")));

    assertThat(keys(answered)).containsExactly("root_of_trust", "policy");
    assertThat(keys(answered.get("policy"))).containsExactly("measurement", "minimum_launch_tcb");
  }

  @Test
  void aCvmWithoutRememberedLaunchTcbGetsZeroAsUpstream() throws Exception {
    ObjectNode answered = tree(policies().policy(cvm(TeeKind.SEV_SNP, null)));

    assertThat(answered.at("/policy/minimum_launch_tcb").bigIntegerValue()).isZero();
  }

  @Test
  void aCorruptStoredLaunchTcbIsAnInternalError() {
    assertThatThrownBy(() -> policies().policy(cvm(TeeKind.SEV_SNP, "18446744073709551616")))
        .isInstanceOfSatisfying(
            ManagerException.class,
            e -> assertThat(e.reason()).isEqualTo(ManagerException.Reason.INTERNAL))
        .hasMessageContaining("cvm-1")
        .hasMessageContaining("18446744073709551616");
  }

  // ------------------------------------------------------------------ CreateVm: the launch TCB

  @Test
  void launchTcbAtCreationIsTheToolsMinimumLaunchTcbUnsigned() throws Exception {
    env.put("MANAGER_PCR_VALUES", "/etc/cocos/pcr.json");

    assertThat(policies().launchTcb(TeeKind.SEV_SNP)).contains(StandInTools.EXAMPLE_TCB);
    assertThat(tools.argv("attestation_policy"))
        .contains(List.of("--policy", "196608", "--pcr", "/etc/cocos/pcr.json"));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"policy\": {\"minimumLaunchTcb\": 12}}                     | 12",
        "{\"policy\": {\"minimum_launch_tcb\": \"18446744073709551615\"}} | 18446744073709551615",
        "{\"policy\": {\"minimum_launch_tcb\": 1.2e1}}                | 12",
        "{\"policy\": {\"minimum_launch_tcb\": null}}                 | ",
        "{\"policy\": {}}                                             | ",
        "{\"root_of_trust\": {}}                                      | "
      })
  void launchTcbSpellingsAndForms(String printed, String expected) throws Exception {
    tools.setPolicyOutput(printed);

    assertThat(policies().launchTcb(TeeKind.SEV_SNP)).isEqualTo(Optional.ofNullable(expected));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"policy\": {\"minimum_launch_tcb\": 18446744073709551616}} | 18446744073709551616",
        "{\"policy\": {\"minimum_launch_tcb\": -1}}                   | -1",
        "{\"policy\": {\"minimum_launch_tcb\": 1.5}}                  | 1.5",
        "{\"policy\": {\"minimum_launch_tcb\": 1e999999999}}          | 1E+999999999",
        "{\"policy\": {\"minimum_launch_tcb\": 1e-999999999}}         | 1E-999999999",
        "{\"policy\": {\"minimum_launch_tcb\": \" 7\"}}               | \" 7\"",
        "{\"policy\": {\"minimum_launch_tcb\": true}}                 | true",
        "{\"policy\": 5}                                              | NUMBER"
      })
  void launchTcbThatIsNotAnUnsigned64BitIntegerIsRefused(String printed, String quoted) {
    tools.setPolicyOutput(printed);

    assertThatThrownBy(() -> policies().launchTcb(TeeKind.SEV_SNP))
        .isInstanceOfSatisfying(
            ManagerException.class,
            e -> assertThat(e.reason()).isEqualTo(ManagerException.Reason.FAILED_PRECONDITION))
        .hasMessageContaining("attestation policy tool " + dir.resolve("attestation_policy"))
        .hasMessageContaining(quoted);
  }

  @ParameterizedTest
  @EnumSource(
      value = TeeKind.class,
      names = {"NONE", "SEV", "TDX"})
  void onlySevSnpHasALaunchTcbAndTheToolIsNotRunForOthers(TeeKind tee) throws Exception {
    assertThat(policies().launchTcb(tee)).isEmpty();
    assertThat(tools.argv("attestation_policy")).isEmpty();
  }

  // ------------------------------------------------------------------ TDX and plain CVMs

  @Test
  void tdxPolicyIsWhatTheToolPrintsRunBare() throws Exception {
    String printed = "{ \"tdx\" :  {\"mrtd\": \"00\"} }\n\n";
    tools.setPolicyOutput(printed);
    // Even for a non-root manager: upstream runs the TDX tool without sudo.
    AttestationConfig config = AttestationConfig.fromEnv(new Env(env), false);

    byte[] policy = new ToolAttestationPolicies(config).policy(cvm(TeeKind.TDX, null));

    assertThat(new String(policy, StandardCharsets.UTF_8)).isEqualTo(printed);
    assertThat(tools.argv("attestation_policy")).contains(List.of());
  }

  @ParameterizedTest
  @EnumSource(
      value = TeeKind.class,
      names = {"NONE", "SEV"})
  void aPlainCvmHasNoPolicy(TeeKind tee) {
    assertThatThrownBy(() -> policies().policy(cvm(tee, null)))
        .isInstanceOfSatisfying(
            ManagerException.class,
            e -> assertThat(e.reason()).isEqualTo(ManagerException.Reason.FAILED_PRECONDITION))
        .hasMessageContaining("cvm-1")
        .hasMessageContaining("no attestation policy");
    assertThat(tools.argv("attestation_policy")).isEmpty();
  }

  // ------------------------------------------------------------------ privilege

  @Test
  void snpPolicyToolRunsWithSudoOnlyWhenNotRoot() {
    String tool = dir.resolve("attestation_policy").toString();

    assertThat(
            new ToolAttestationPolicies(AttestationConfig.fromEnv(new Env(env), true))
                .snpPolicyCommand())
        .containsExactly(tool, "--policy", "196608");
    assertThat(
            new ToolAttestationPolicies(AttestationConfig.fromEnv(new Env(env), false))
                .snpPolicyCommand())
        .containsExactly("sudo", "-n", tool, "--policy", "196608");
  }

  // ------------------------------------------------------------------ failing tools

  @Test
  void aFailingPolicyToolIsNamedWithItsExitCodeAndStderr() {
    env.put(
        "MANAGER_ATTESTATION_POLICY_BINARY",
        tools.failing("attestation_policy", 3, "no /dev/sev").toString());

    for (Callable<?> call :
        List.<Callable<?>>of(
            () -> policies().policy(cvm(TeeKind.SEV_SNP, "1")),
            () -> policies().launchTcb(TeeKind.SEV_SNP),
            () -> policies().policy(cvm(TeeKind.TDX, null)))) {
      assertThatThrownBy(call::call)
          .isInstanceOfSatisfying(
              ManagerException.class,
              e -> assertThat(e.reason()).isEqualTo(ManagerException.Reason.FAILED_PRECONDITION))
          .hasMessage(
              "attestation policy tool "
                  + dir.resolve("attestation_policy")
                  + " (MANAGER_ATTESTATION_POLICY_BINARY) exited with code 3; stderr: no /dev/sev");
    }
  }

  @Test
  void aFailingIgvmmeasureIsNamedWithItsExitCodeAndStderr() {
    env.put(
        "MANAGER_IGVMMEASURE_BINARY", tools.failing("igvmmeasure", 3, "no /dev/sev").toString());

    assertThatThrownBy(() -> policies().policy(cvm(TeeKind.SEV_SNP, "1")))
        .isInstanceOfSatisfying(
            ManagerException.class,
            e -> assertThat(e.reason()).isEqualTo(ManagerException.Reason.FAILED_PRECONDITION))
        .hasMessage(
            "igvmmeasure "
                + dir.resolve("igvmmeasure")
                + " (MANAGER_IGVMMEASURE_BINARY) exited with code 3; stderr: no /dev/sev");
  }

  @Test
  void aMissingPolicyToolCannotBeRun() {
    env.put("MANAGER_ATTESTATION_POLICY_BINARY", dir.resolve("no-such-tool").toString());

    assertThatThrownBy(() -> policies().launchTcb(TeeKind.SEV_SNP))
        .isInstanceOf(ManagerException.class)
        .hasMessageStartingWith(
            "attestation policy tool "
                + dir.resolve("no-such-tool")
                + " (MANAGER_ATTESTATION_POLICY_BINARY) cannot be run: ");
  }

  @Test
  void aHangingPolicyToolIsKilledAfterTheTimeout() throws Exception {
    env.put("MANAGER_ATTESTATION_POLICY_BINARY", tools.hanging("attestation_policy").toString());
    env.put("MANAGER_ATTESTATION_TOOL_TIMEOUT", "300ms");
    ToolAttestationPolicies policies = policies();

    long start = System.nanoTime();
    assertThatThrownBy(() -> policies.policy(cvm(TeeKind.SEV_SNP, "1")))
        .isInstanceOfSatisfying(
            ManagerException.class,
            e -> assertThat(e.reason()).isEqualTo(ManagerException.Reason.FAILED_PRECONDITION))
        .hasMessage(
            "attestation policy tool "
                + dir.resolve("attestation_policy")
                + " (MANAGER_ATTESTATION_POLICY_BINARY) did not finish within 300ms and was killed; "
                + "stderr: waiting for /dev/sev");

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertGone(tools.recordedPid("attestation_policy.pid"));
    assertGone(tools.recordedPid("attestation_policy.child"));
  }

  @Test
  void aHangingIgvmmeasureIsKilledAfterTheTimeout() throws Exception {
    env.put("MANAGER_IGVMMEASURE_BINARY", tools.hanging("igvmmeasure").toString());
    env.put("MANAGER_ATTESTATION_TOOL_TIMEOUT", "300ms");

    assertThatThrownBy(() -> policies().policy(cvm(TeeKind.SEV_SNP, "1")))
        .isInstanceOf(ManagerException.class)
        .hasMessageStartingWith(
            "igvmmeasure "
                + dir.resolve("igvmmeasure")
                + " (MANAGER_IGVMMEASURE_BINARY) did not finish within 300ms and was killed");
    assertGone(tools.recordedPid("igvmmeasure.pid"));
    assertGone(tools.recordedPid("igvmmeasure.child"));
  }

  /** Asserts that a process has exited: it is gone, or a zombie (dead, not yet reaped by init). */
  static void assertGone(long pid) {
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              Path stat = Path.of("/proc", Long.toString(pid), "stat");
              try {
                String text = Files.readString(stat);
                // The state follows the command name, which is in parentheses and may contain
                // spaces.
                return text.substring(text.lastIndexOf(')') + 2).startsWith("Z");
              } catch (NoSuchFileException e) {
                return true;
              }
            });
  }

  // ------------------------------------------------------------------ garbage output

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "not json at all                 | Unrecognized token 'not'",
        "[1, 2]                          | it printed a JSON ARRAY, not an object",
        "''                              | it printed nothing",
        "{\"policy\": {}} {\"policy\": {}} | Trailing token",
        "{\"policy\": {}, \"policy\": {}}  | Duplicate field 'policy'",
        "{\"policy\": {\"vmpl\": 2}       | Unexpected end-of-input"
      })
  void aPolicyToolPrintingGarbageIsAClearError(String printed, String problem) {
    tools.setPolicyOutput(printed);

    assertThatThrownBy(() -> policies().policy(cvm(TeeKind.SEV_SNP, "1")))
        .isInstanceOfSatisfying(
            ManagerException.class,
            e -> assertThat(e.reason()).isEqualTo(ManagerException.Reason.FAILED_PRECONDITION))
        .hasMessageStartingWith(
            "attestation policy tool "
                + dir.resolve("attestation_policy")
                + " (MANAGER_ATTESTATION_POLICY_BINARY) exited with code 0 but its output is not a policy JSON object: ")
        .hasMessageContaining(problem)
        .hasMessageEndingWith("; stderr empty");
  }

  @ParameterizedTest
  @CsvSource(
      delimiterString = "=>",
      value = {
        "00ff\\n00ff\\n => printed 2 lines where one line of hex was expected: 00ff | 00ff",
        "abcd\\n        => printed 2 bytes of hex where a 48-byte launch digest was expected: abcd",
        "zz\\n          => printed \"zz\", which is not hex",
        "\\n            => printed nothing"
      })
  void anIgvmmeasurePrintingGarbageIsAClearError(String printed, String problem) {
    env.put(
        "MANAGER_IGVMMEASURE_BINARY", tools.igvmmeasure(printed.replace("\\n", "\n")).toString());

    assertThatThrownBy(() -> policies().policy(cvm(TeeKind.SEV_SNP, "1")))
        .isInstanceOfSatisfying(
            ManagerException.class,
            e -> assertThat(e.reason()).isEqualTo(ManagerException.Reason.FAILED_PRECONDITION))
        .hasMessage(
            "igvmmeasure "
                + dir.resolve("igvmmeasure")
                + " (MANAGER_IGVMMEASURE_BINARY) exited with code 0 but "
                + problem
                + "; stderr empty");
  }

  @Test
  void igvmmeasureMayPrintUpperCaseHexWithCarriageReturn() throws Exception {
    env.put(
        "MANAGER_IGVMMEASURE_BINARY",
        tools
            .igvmmeasure(HexFormat.of().withUpperCase().formatHex(MEASUREMENT) + "\r\n")
            .toString());

    ObjectNode answered = tree(policies().policy(cvm(TeeKind.SEV_SNP, "1")));

    assertThat(answered.at("/policy/measurement").textValue())
        .isEqualTo(Base64.getEncoder().encodeToString(MEASUREMENT));
  }

  @Test
  void aMissingIgvmFileNamesItsVariable() throws Exception {
    Files.delete(igvm);

    assertThatThrownBy(() -> policies().policy(cvm(TeeKind.SEV_SNP, "1")))
        .isInstanceOfSatisfying(
            ManagerException.class,
            e -> assertThat(e.reason()).isEqualTo(ManagerException.Reason.FAILED_PRECONDITION))
        .hasMessageStartingWith("MANAGER_QEMU_IGVM_FILE=" + igvm + " does not exist");
    assertThat(tools.argv("igvmmeasure")).isEmpty();
  }

  // ------------------------------------------------------------------ serialisation

  /**
   * Two policies and a launch TCB asked for at once: the tool runs one at a time. The stand-in
   * detects an overlap with mkdir, which fails if another run holds the directory.
   */
  @Test
  void policyToolRunsAreSerialised() throws Exception {
    Path running = dir.resolve("running");
    Path overlaps = dir.resolve("overlaps");
    Path log = dir.resolve("runs.log");
    tools.script(
        "attestation_policy",
        overlapDetector(running, overlaps, log)
            + "cat "
            + StandInTools.quote(dir.resolve("policy.json")));
    ToolAttestationPolicies policies = policies();
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(3, DaemonThreads.numbered("policy-caller"));
    try {
      List<Future<?>> calls =
          List.of(
              pool.submit(
                  () -> {
                    go.await();
                    return policies.policy(cvm(TeeKind.SEV_SNP, "1"));
                  }),
              pool.submit(
                  () -> {
                    go.await();
                    return policies.policy(cvm(TeeKind.SEV_SNP, "2"));
                  }),
              pool.submit(
                  () -> {
                    go.await();
                    return policies.launchTcb(TeeKind.SEV_SNP);
                  }));
      go.countDown();
      for (Future<?> call : calls) {
        call.get();
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(overlaps).doesNotExist();
    assertThat(Files.readAllLines(log))
        .containsExactly("start", "end", "start", "end", "start", "end");
  }

  /** The overlap detector itself detects overlapping runs when nothing serialises them. */
  @Test
  void overlapDetectorWorks() throws Exception {
    Path running = dir.resolve("running");
    Path overlaps = dir.resolve("overlaps");
    Path script =
        tools.script("detector", overlapDetector(running, overlaps, dir.resolve("runs.log")));

    Process first = new ProcessBuilder(script.toString()).start();
    Process second = new ProcessBuilder(script.toString()).start();
    first.waitFor();
    second.waitFor();

    assertThat(overlaps).exists();
  }

  private static String overlapDetector(Path running, Path overlaps, Path log) {
    return "mkdir "
        + StandInTools.quote(running)
        + " 2>/dev/null || echo overlap >> "
        + StandInTools.quote(overlaps)
        + "\n"
        + "echo start >> "
        + StandInTools.quote(log)
        + "\n"
        + "sleep 0.3\n"
        + "echo end >> "
        + StandInTools.quote(log)
        + "\n"
        + "rmdir "
        + StandInTools.quote(running)
        + " 2>/dev/null\n";
  }
}
