package io.cocos.manager.attestation.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cocos.manager.core.cvm.AttestationPolicies;
import io.cocos.manager.core.cvm.CvmRecord;
import io.cocos.manager.core.cvm.ManagerException;
import io.cocos.manager.core.vm.TeeKind;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy as upstream assembles it: the host's base policy from the attestation-policy tool,
 * with the measurement, host data and launch TCB of this CVM set in it (attestation.md).
 *
 * <p>Concurrency: tool runs are serialised by {@link #toolLock}, as upstream does; they talk to
 * /dev/sev and may be slow, so the lock is this object's own and never held with a CVM's lock.
 */
public final class ToolAttestationPolicies implements AttestationPolicies {
  /** SEV-SNP guest policy upstream asks the tool for: SMT allowed, reserved bit 17 set. */
  static final String SNP_POLICY = "196608";
  private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);
  private static final Logger log = LoggerFactory.getLogger(ToolAttestationPolicies.class);
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private final AttestationConfig config;
  private final ReentrantLock toolLock = new ReentrantLock();

  public ToolAttestationPolicies(AttestationConfig config) {
    this.config = config;
  }

  @Override
  public Optional<String> launchTcb(TeeKind tee) throws ManagerException, InterruptedException {
    if (tee != TeeKind.SEV_SNP) {
      return Optional.empty();
    }
    JsonNode tcb = snpBasePolicy().path("policy").path("minimum_launch_tcb");
    if (!tcb.isNumber() && !tcb.isTextual()) {
      return Optional.empty();
    }
    return Optional.of(unsigned64(tcb.asText(), "policy.minimum_launch_tcb").toString());
  }

  @Override
  public byte[] policy(CvmRecord cvm) throws ManagerException, InterruptedException {
    return switch (cvm.tee()) {
      case TDX -> runTool("attestation policy tool", List.of(config.policyBinary().toString())).stdout();
      case SEV_SNP -> snpPolicy(cvm);
      case NONE, SEV -> throw new ManagerException(ManagerException.Reason.FAILED_PRECONDITION,
          "CVM " + cvm.id() + " runs without SEV-SNP or TDX (" + cvm.tee().wireName()
              + "): there is no attestation policy for it");
    };
  }

  private byte[] snpPolicy(CvmRecord cvm) throws ManagerException, InterruptedException {
    ObjectNode root = snpBasePolicy();
    JsonNode policyNode = root.get("policy");
    ObjectNode policy = policyNode instanceof ObjectNode o ? o : root.putObject("policy");
    policy.put("measurement", Base64.getEncoder().encodeToString(igvmMeasurement()));
    config.hostData().ifPresent(h -> policy.put("host_data", Base64.getEncoder().encodeToString(h)));
    if (cvm.launchTcb() != null) {
      policy.put("minimum_launch_tcb", new BigInteger(cvm.launchTcb()));
    }
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new ManagerException(ManagerException.Reason.INTERNAL, "cannot write the policy: " + e.getMessage());
    }
  }

  private ObjectNode snpBasePolicy() throws ManagerException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(config.policyBinary().toString(), "--policy", SNP_POLICY));
    config.pcrValues().ifPresent(p -> command.addAll(List.of("--pcr", p.toString())));
    ExternalTool.Result result = runTool("attestation policy tool", ExternalTool.privileged(command));
    try {
      JsonNode node = JSON.readTree(result.stdout());
      if (node instanceof ObjectNode o) {
        return o;
      }
    } catch (java.io.IOException e) {
      // reported below
    }
    throw ExternalTool.failed("attestation policy tool " + config.policyBinary()
        + " printed no JSON object (stderr: " + result.stderr() + ")");
  }

  /** The IGVM launch digest from igvmmeasure: exactly one line of 48 bytes in hex. */
  private byte[] igvmMeasurement() throws ManagerException, InterruptedException {
    ExternalTool.Result result = runTool("igvmmeasure", List.of(config.igvmMeasureBinary().toString(),
        config.igvmFile().toString(), "measure", "-b"));
    String[] lines = result.stdoutText().strip().split("\\R");
    if (lines.length != 1) {
      throw ExternalTool.failed("igvmmeasure printed " + lines.length + " lines, expected one line of hex");
    }
    try {
      byte[] digest = HexFormat.of().parseHex(lines[0].strip());
      if (digest.length == 48) {
        return digest;
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw ExternalTool.failed("igvmmeasure printed \"" + abbreviate(lines[0]) + "\", expected 96 hex digits");
  }

  private ExternalTool.Result runTool(String name, List<String> command) throws ManagerException, InterruptedException {
    toolLock.lockInterruptibly();
    try {
      log.debug("running {}: {}", name, command);
      return ExternalTool.run(name + " " + command.get(command.get(0).equals("sudo") ? 2 : 0), command, TOOL_TIMEOUT);
    } finally {
      toolLock.unlock();
    }
  }

  private static BigInteger unsigned64(String text, String field) throws ManagerException {
    try {
      BigInteger v = new BigInteger(text.strip());
      if (v.signum() >= 0 && v.bitLength() <= 64) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw ExternalTool.failed("attestation policy tool printed " + field + " = " + abbreviate(text)
        + ", not an unsigned 64-bit integer");
  }

  private static String abbreviate(String s) {
    String one = s.replaceAll("\\p{Cntrl}", "?");
    return one.length() > 120 ? one.substring(0, 120) + "…" : one;
  }
}
