package io.cocos.manager.attestation.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cocos.manager.attestation.measure.Fixtures;
import io.cocos.manager.attestation.measure.igvm.IgvmMeasureOptions;
import io.cocos.manager.attestation.measure.igvm.IgvmMeasurer;
import io.cocos.manager.core.config.Env;
import io.cocos.manager.core.cvm.CvmRecord;
import io.cocos.manager.core.cvm.CvmState;
import io.cocos.manager.core.cvm.ManagerException;
import io.cocos.manager.core.vm.TeeKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** MANAGER_IGVMMEASURE_BINARY absent: the measurement is computed natively and cached. */
class NativeMeasurementTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final CvmRecord SNP_CVM =
      new CvmRecord(
          "cvm-1",
          CvmState.RUNNING,
          TeeKind.SEV_SNP,
          7020,
          3,
          4242,
          Instant.EPOCH,
          Instant.EPOCH,
          null,
          null,
          null,
          "1",
          0);

  /** Far enough ahead that every file looks old, so the stat shortcut trusts it at once. */
  private static final Clock AN_HOUR_LATER = Clock.offset(Clock.systemUTC(), Duration.ofHours(1));

  @TempDir Path dir;
  private StandInTools tools;
  private Path igvm;
  private final Map<String, String> env = new HashMap<>();
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private Logger packageLogger;
  private Level previousLevel;

  @BeforeEach
  void setUp() throws Exception {
    tools = new StandInTools(dir);
    igvm = dir.resolve("guest.igvm");
    Files.copy(Fixtures.path("igvm/test_bzImage_x64.igvm"), igvm);
    env.put(
        "MANAGER_ATTESTATION_POLICY_BINARY",
        tools.policyTool(StandInTools.EXAMPLE_POLICY).toString());
    env.put("MANAGER_IGVMMEASURE_BINARY", dir.resolve("igvmmeasure").toString());
    env.put("MANAGER_QEMU_IGVM_FILE", igvm.toString());
    env.put("MANAGER_QEMU_ENABLE_HOST_DATA", "true");
    env.put("MANAGER_QEMU_HOST_DATA", StandInTools.base64(32, 0x40));

    packageLogger =
        (Logger) LoggerFactory.getLogger(ToolAttestationPolicies.class.getPackageName());
    previousLevel = packageLogger.getLevel();
    packageLogger.setLevel(Level.TRACE);
    packageLogger.setAdditive(false); // captured here, not printed
    logs.start();
    packageLogger.addAppender(logs);
  }

  @AfterEach
  void restoreLogging() {
    packageLogger.detachAppender(logs);
    packageLogger.setAdditive(true);
    packageLogger.setLevel(previousLevel);
  }

  private ToolAttestationPolicies policies(Clock clock) {
    return new ToolAttestationPolicies(
        AttestationConfig.fromEnv(new Env(env), true), clock, Duration.ofMillis(500));
  }

  private static String expectedDigestHex() {
    List<String> header = Fixtures.header("igvm-vectors.tsv");
    return Fixtures.tsv("igvm-vectors.tsv").stream()
        .filter(row -> row[header.indexOf("name")].equals("test_bzImage_x64"))
        .map(row -> row[header.indexOf("expected")])
        .findFirst()
        .orElseThrow();
  }

  private static String measurementIn(byte[] policy) throws Exception {
    return JSON.readTree(policy).at("/policy/measurement").textValue();
  }

  private static String base64OfHex(String hex) {
    return Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex));
  }

  private List<String> infoMessages() {
    return logs.list.stream()
        .filter(e -> e.getLevel() == Level.INFO)
        .map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  @Test
  void measurementIsTheVectorsDigestAndASecondCallHitsTheCache() throws Exception {
    ToolAttestationPolicies policies = policies(AN_HOUR_LATER);

    assertThat(measurementIn(policies.policy(SNP_CVM))).isEqualTo(base64OfHex(expectedDigestHex()));
    assertThat(policies.nativeMeasurer().filesHashed()).isEqualTo(1);
    assertThat(policies.nativeMeasurer().digestsComputed()).isEqualTo(1);

    assertThat(measurementIn(policies.policy(SNP_CVM))).isEqualTo(base64OfHex(expectedDigestHex()));
    assertThat(policies.nativeMeasurer().filesHashed())
        .as("an unchanged file is not even hashed")
        .isEqualTo(1);
    assertThat(policies.nativeMeasurer().digestsComputed()).isEqualTo(1);
  }

  @Test
  void theSameContentUnderANewInodeIsHashedButNotMeasuredAgain() throws Exception {
    ToolAttestationPolicies policies = policies(AN_HOUR_LATER);
    policies.policy(SNP_CVM);

    Path copy = dir.resolve("copy.igvm");
    Files.copy(igvm, copy);
    Files.move(copy, igvm, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

    assertThat(measurementIn(policies.policy(SNP_CVM))).isEqualTo(base64OfHex(expectedDigestHex()));
    assertThat(policies.nativeMeasurer().filesHashed()).isEqualTo(2);
    assertThat(policies.nativeMeasurer().digestsComputed()).isEqualTo(1);
  }

  @Test
  void aFileRewrittenInPlaceIsMeasuredAgain() throws Exception {
    ToolAttestationPolicies policies = policies(AN_HOUR_LATER);
    policies.policy(SNP_CVM);

    Path other = Fixtures.path("igvm/t_x86_opt.igvm");
    Files.write(igvm, Files.readAllBytes(other));

    String expected = IgvmMeasurer.measure(other, IgvmMeasureOptions.DEFAULT).digest().base64();
    assertThat(measurementIn(policies.policy(SNP_CVM))).isEqualTo(expected);
    assertThat(policies.nativeMeasurer().digestsComputed()).isEqualTo(2);
  }

  /**
   * A file changed within the last moments may change again without its stat changing, so it is
   * hashed on every call until it is older; its digest still comes from the cache.
   */
  @Test
  void aJustWrittenFileIsHashedEachTimeButMeasuredOnce() throws Exception {
    ToolAttestationPolicies policies = policies(Clock.systemUTC());

    policies.policy(SNP_CVM);
    policies.policy(SNP_CVM);

    assertThat(policies.nativeMeasurer().filesHashed()).isEqualTo(2);
    assertThat(policies.nativeMeasurer().digestsComputed()).isEqualTo(1);
  }

  @Test
  void aMissingIgvmFileNamesItsVariable() throws Exception {
    Files.delete(igvm);

    assertThatThrownBy(() -> policies(AN_HOUR_LATER).policy(SNP_CVM))
        .isInstanceOfSatisfying(
            ManagerException.class,
            e -> assertThat(e.reason()).isEqualTo(ManagerException.Reason.FAILED_PRECONDITION))
        .hasMessage(
            "MANAGER_QEMU_IGVM_FILE="
                + igvm
                + " does not exist: SEV-SNP CVMs launch with this IGVM image, "
                + "and the policy carries its measurement");
  }

  @Test
  void aMalformedIgvmFileIsAClearError() throws Exception {
    Files.writeString(igvm, "not an IGVM file");

    assertThatThrownBy(() -> policies(AN_HOUR_LATER).policy(SNP_CVM))
        .isInstanceOfSatisfying(
            ManagerException.class,
            e -> assertThat(e.reason()).isEqualTo(ManagerException.Reason.FAILED_PRECONDITION))
        .hasMessageStartingWith(
            "cannot compute the IGVM launch measurement of MANAGER_QEMU_IGVM_FILE="
                + igvm
                + " natively: ");
  }

  @Test
  void thePathTakenIsLoggedOncePerChange() throws Exception {
    ToolAttestationPolicies policies = policies(AN_HOUR_LATER);
    Path binary = dir.resolve("igvmmeasure");

    policies.policy(SNP_CVM);
    policies.policy(SNP_CVM);
    tools.igvmmeasure(expectedDigestHex() + "\n");
    policies.policy(SNP_CVM);
    policies.policy(SNP_CVM);
    Files.delete(binary);
    policies.policy(SNP_CVM);

    assertThat(infoMessages())
        .filteredOn(m -> m.startsWith("IGVM launch measurement: "))
        .containsExactly(
            "IGVM launch measurement: computing it natively: MANAGER_IGVMMEASURE_BINARY="
                + binary
                + " is not an executable file",
            "IGVM launch measurement: running "
                + binary
                + " "
                + igvm
                + " measure -b (MANAGER_IGVMMEASURE_BINARY)",
            "IGVM launch measurement: computing it natively: MANAGER_IGVMMEASURE_BINARY="
                + binary
                + " is not an executable file");
    assertThat(tools.argv("igvmmeasure")).contains(List.of(igvm.toString(), "measure", "-b"));
  }

  @Test
  void aNonExecutableBinaryMeansNative() throws Exception {
    Path binary = tools.igvmmeasure("00\n");
    binary.toFile().setExecutable(false);

    assertThat(measurementIn(policies(AN_HOUR_LATER).policy(SNP_CVM)))
        .isEqualTo(base64OfHex(expectedDigestHex()));
    assertThat(tools.argv("igvmmeasure")).isEmpty();
  }

  @Test
  void neitherTheHostDataNorThePolicyIsLogged() throws Exception {
    byte[] policy = policies(AN_HOUR_LATER).policy(SNP_CVM);

    String hostData = env.get("MANAGER_QEMU_HOST_DATA");
    String chipId = JSON.readTree(policy).at("/policy/chip_id").textValue();
    assertThat(logs.list)
        .isNotEmpty()
        .allSatisfy(
            e ->
                assertThat(e.getFormattedMessage())
                    .doesNotContain(hostData)
                    .doesNotContain(chipId));
  }
}
