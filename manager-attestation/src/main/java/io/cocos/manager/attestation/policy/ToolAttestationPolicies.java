package io.cocos.manager.attestation.policy;

import io.cocos.manager.attestation.corim.CorimEncoder;
import io.cocos.manager.attestation.corim.ReferenceValues;
import io.cocos.manager.core.config.ControlCharacters;
import io.cocos.manager.core.cvm.AttestationPolicies;
import io.cocos.manager.core.cvm.CvmRecord;
import io.cocos.manager.core.cvm.ManagerException;
import io.cocos.manager.core.vm.TeeKind;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The policy as upstream assembles it (attestation.md): for SEV-SNP, the host's base policy from
 * {@code <MANAGER_ATTESTATION_POLICY_BINARY> --policy 196608 [--pcr <MANAGER_PCR_VALUES>]}, with
 * this CVM's measurement, host data and launch TCB set in it; for TDX, what the tool prints. With
 * MANAGER_ATTESTATION_POLICY_FORMAT=corim, a CoRIM instead ({@link CorimEncoder}): for SEV-SNP the
 * same three values (no policy tool run at AttestationPolicy), for TDX the configured registers;
 * COSE_Sign1-signed when a signing key is configured.
 *
 * <p>Locking: {@link #policyToolLock} serialises runs of the attestation-policy tool (SEV-SNP at
 * CreateVm and at AttestationPolicy, and TDX), as upstream's {@code ap} mutex does, since the tool
 * talks to /dev/sev. It is held only around the tool run: not while the IGVM file is measured (that
 * has its own lock, in {@link CachedIgvmMeasurer}, and the two are never held together) and never
 * with a CVM's lock, which the domain does not hold when it calls in here. The CoRIM path takes no
 * lock: the encoder and the signer keep no state between calls (a Signature per call).
 */
public final class ToolAttestationPolicies implements AttestationPolicies {
  /** SEV-SNP guest policy upstream asks the tool for: SMT allowed, reserved bit 17 set. */
  static final String SNP_GUEST_POLICY = "196608";

  /** How long a tool has to exit after SIGTERM, on a timeout, before it is killed. */
  static final Duration KILL_GRACE = Duration.ofSeconds(2);

  static final String POLICY_BINARY_VARIABLE = "MANAGER_ATTESTATION_POLICY_BINARY";

  private final AttestationConfig config;
  private final CorimConfig corim;
  private final CorimEncoder corimEncoder = new CorimEncoder();
  private final ExternalTool tools;
  private final CachedIgvmMeasurer nativeMeasurer;
  private final IgvmLaunchMeasurement measurement;
  private final ReentrantLock policyToolLock = new ReentrantLock(true);

  public ToolAttestationPolicies(AttestationConfig config) {
    this(config, CorimConfig.json());
  }

  public ToolAttestationPolicies(AttestationConfig config, CorimConfig corim) {
    this(config, corim, Clock.systemUTC(), KILL_GRACE);
  }

  /**
   * @param clock for the native measurement cache's file-age check
   * @param killGrace how long a timed-out tool has between SIGTERM and SIGKILL
   */
  ToolAttestationPolicies(AttestationConfig config, Clock clock, Duration killGrace) {
    this(config, CorimConfig.json(), clock, killGrace);
  }

  ToolAttestationPolicies(
      AttestationConfig config, CorimConfig corim, Clock clock, Duration killGrace) {
    this.config = config;
    this.corim = corim;
    this.tools = new ExternalTool(config.toolTimeout(), killGrace);
    this.nativeMeasurer = new CachedIgvmMeasurer(clock);
    this.measurement =
        new IgvmLaunchMeasurement(
            config.igvmFile(), config.igvmMeasureBinary(), tools, nativeMeasurer);
  }

  /** At CreateVm: {@code policy.minimum_launch_tcb} of a fresh base policy, for SEV-SNP. */
  @Override
  public Optional<String> launchTcb(TeeKind tee) throws ManagerException, InterruptedException {
    if (tee != TeeKind.SEV_SNP) {
      return Optional.empty();
    }
    return snpBasePolicy().minimumLaunchTcb().map(BigInteger::toString);
  }

  @Override
  public byte[] policy(CvmRecord cvm) throws ManagerException, InterruptedException {
    if (corim.format() == CorimConfig.PolicyFormat.CORIM) {
      return corimPolicy(cvm);
    }
    return switch (cvm.tee()) {
      case TDX ->
          runPolicyTool(policyToolName(false), List.of(config.policyBinary().toString())).stdout();
      case SEV_SNP -> snpPolicy(cvm);
      case NONE, SEV -> throw noPolicy(cvm);
    };
  }

  private byte[] corimPolicy(CvmRecord cvm) throws ManagerException, InterruptedException {
    ReferenceValues values =
        switch (cvm.tee()) {
          case SEV_SNP ->
              new ReferenceValues.Snp(
                  measurement.digest(),
                  config.hostData().map(h -> Base64.getDecoder().decode(h)),
                  rememberedLaunchTcb(cvm),
                  Optional.of(corim.cpuFor(false)));
          case TDX ->
              ReferenceValues.Tdx.withDefaults(
                  corim.tdxMrtd(),
                  corim.tdxMrSeam(),
                  corim.tdxRtmrs(),
                  OptionalLong.empty(),
                  Optional.of(corim.cpuFor(true)));
          case NONE, SEV -> throw noPolicy(cvm);
        };
    byte[] unsigned = corimEncoder.encode(values);
    return corim.signer().map(s -> s.sign(unsigned)).orElse(unsigned);
  }

  private static ManagerException noPolicy(CvmRecord cvm) {
    return new ManagerException(
        ManagerException.Reason.FAILED_PRECONDITION,
        "CVM "
            + cvm.id()
            + " runs without SEV-SNP or TDX (TEE "
            + cvm.tee().wireName()
            + "): there is no attestation policy for it");
  }

  private byte[] snpPolicy(CvmRecord cvm) throws ManagerException, InterruptedException {
    BigInteger launchTcb = rememberedLaunchTcb(cvm);
    SnpPolicyDocument policy = snpBasePolicy();
    policy.setMeasurement(Base64.getEncoder().encodeToString(measurement.digest()));
    if (config.hostData().isPresent()) {
      policy.setHostData(config.hostData().get());
    }
    policy.setMinimumLaunchTcb(launchTcb);
    return policy.toPrettyJson();
  }

  /**
   * The launch TCB taken at CreateVm. A CVM without one (the tool printed none then, or its state
   * predates it) gets 0, as upstream, whose remembered value defaults to 0 and is set regardless:
   * to go-sev-guest a minimum of 0 is no minimum.
   */
  private static BigInteger rememberedLaunchTcb(CvmRecord cvm) throws ManagerException {
    if (cvm.launchTcb() == null) {
      return BigInteger.ZERO;
    }
    return SnpPolicyDocument.parseUnsigned64(cvm.launchTcb())
        .orElseThrow(
            () ->
                new ManagerException(
                    ManagerException.Reason.INTERNAL,
                    "CVM "
                        + cvm.id()
                        + " has a stored launch TCB \""
                        + ControlCharacters.escape(cvm.launchTcb())
                        + "\" that is not an unsigned 64-bit integer"));
  }

  private SnpPolicyDocument snpBasePolicy() throws ManagerException, InterruptedException {
    String tool = policyToolName(true);
    return SnpPolicyDocument.parse(runPolicyTool(tool, snpPolicyCommand()), tool);
  }

  /** {@code [sudo -n] <tool> --policy 196608 [--pcr <file>]}. */
  List<String> snpPolicyCommand() {
    List<String> command = new ArrayList<>(config.privilegePrefix());
    command.addAll(List.of(config.policyBinary().toString(), "--policy", SNP_GUEST_POLICY));
    config.pcrValues().ifPresent(p -> command.addAll(List.of("--pcr", p.toString())));
    return command;
  }

  private ExternalTool.Output runPolicyTool(String tool, List<String> command)
      throws ManagerException, InterruptedException {
    policyToolLock.lockInterruptibly();
    try {
      return tools.run(tool, command);
    } finally {
      policyToolLock.unlock();
    }
  }

  /** The tool as messages name it; "privileged" runs (SEV-SNP) go through the privilege prefix. */
  private String policyToolName(boolean privileged) {
    String name =
        "attestation policy tool " + config.policyBinary() + " (" + POLICY_BINARY_VARIABLE + ")";
    return privileged && !config.privilegePrefix().isEmpty()
        ? name + " run with " + String.join(" ", config.privilegePrefix())
        : name;
  }

  /** The native measurer, for tests that watch its cache. */
  CachedIgvmMeasurer nativeMeasurer() {
    return nativeMeasurer;
  }
}
