package io.cocos.manager.attestation.policy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cocos.manager.core.cvm.ManagerException;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The SEV-SNP policy JSON as the attestation-policy tool prints it, edited in place: every field
 * the tool printed is kept, in its order and with its spelling; only measurement, host_data and
 * minimum_launch_tcb of the {@code policy} object are set (attestation.md).
 *
 * <p>Spelling: verifiers read the document with protojson into go-sev-guest's check.Config, which
 * accepts a field under its snake_case or its lowerCamelCase name but rejects a document that names
 * the same field both ways ("duplicate field"). So a field is set under the name the tool printed
 * it with; a field the tool did not print is added in snake_case, as attestation.md's example and
 * the upstream tool write it; a tool that printed both names is an error.
 *
 * <p>Numbers: integers are kept exactly (64-bit TCB values do not fit a signed long), decimals as
 * BigDecimal with their scale, so a value the tool printed comes out equal.
 */
final class SnpPolicyDocument {
  /** A field of go-sev-guest's check.Policy, by its two JSON names. */
  enum PolicyField {
    MEASUREMENT("measurement", "measurement"),
    HOST_DATA("host_data", "hostData"),
    MINIMUM_LAUNCH_TCB("minimum_launch_tcb", "minimumLaunchTcb");

    final String snakeCase;
    final String camelCase;

    PolicyField(String snakeCase, String camelCase) {
      this.snakeCase = snakeCase;
      this.camelCase = camelCase;
    }
  }

  private static final String POLICY = "policy";
  private static final BigInteger TWO_TO_THE_64 = BigInteger.ONE.shiftLeft(64);

  /** A JSON number, which is also what protojson accepts inside a string for a uint64 field. */
  private static final Pattern JSON_NUMBER =
      Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?");

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          // A key printed twice is something protojson rejects too; the last one must not win
          // silently.
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
          .build();

  /** Two-space indent and {@code "key": value}, as Go's json.MarshalIndent(v, "", " ") writes. */
  private static final ObjectWriter PRETTY =
      JSON.writer(
          new DefaultPrettyPrinter(
                  Separators.createDefaultInstance()
                      .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                      .withObjectEmptySeparator("")
                      .withArrayEmptySeparator(""))
              .withObjectIndenter(new DefaultIndenter("  ", "\n"))
              .withArrayIndenter(new DefaultIndenter("  ", "\n")));

  private final ObjectNode root;
  private final String tool;

  private SnpPolicyDocument(ObjectNode root, String tool) {
    this.root = root;
    this.tool = tool;
  }

  /**
   * Parses what the tool printed.
   *
   * @param tool the tool as messages name it
   */
  static SnpPolicyDocument parse(ExternalTool.Output output, String tool) throws ManagerException {
    String problem;
    try {
      JsonNode node = JSON.readTree(output.stdout());
      if (node instanceof ObjectNode o) {
        return new SnpPolicyDocument(o, tool);
      }
      problem =
          node.isMissingNode()
              ? "it printed nothing"
              : "it printed a JSON " + node.getNodeType() + ", not an object";
    } catch (JsonProcessingException e) {
      problem =
          e.getOriginalMessage()
              + " at line "
              + e.getLocation().getLineNr()
              + ", column "
              + e.getLocation().getColumnNr();
    } catch (IOException e) {
      problem = e.getMessage();
    }
    throw ExternalTool.failure(
        tool
            + " exited with code 0 but its output is not a policy JSON object: "
            + ExternalTool.oneLine(problem)
            + ExternalTool.stderrSuffix(output.stderr()));
  }

  /** {@code policy.minimum_launch_tcb} as printed (either spelling), empty if absent or null. */
  Optional<BigInteger> minimumLaunchTcb() throws ManagerException {
    JsonNode policy = root.get(POLICY);
    if (policy == null || policy.isNull()) {
      return Optional.empty();
    }
    String key = keyFor(policyObject(), PolicyField.MINIMUM_LAUNCH_TCB);
    JsonNode value = policy.get(key);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    Optional<BigInteger> tcb = Optional.empty();
    if (value.isNumber()) {
      tcb = unsigned64(value.decimalValue());
    } else if (value.isTextual() && JSON_NUMBER.matcher(value.textValue()).matches()) {
      tcb = unsigned64(new BigDecimal(value.textValue()));
    }
    if (tcb.isEmpty()) {
      throw ExternalTool.failure(
          tool
              + " printed policy."
              + key
              + " = "
              + ExternalTool.oneLine(value.toString())
              + ", which is not an unsigned 64-bit integer");
    }
    return tcb;
  }

  void setMeasurement(String base64) throws ManagerException {
    ObjectNode policy = policyObject();
    policy.put(keyFor(policy, PolicyField.MEASUREMENT), base64);
  }

  void setHostData(String base64) throws ManagerException {
    ObjectNode policy = policyObject();
    policy.put(keyFor(policy, PolicyField.HOST_DATA), base64);
  }

  /** Sets the launch TCB as a JSON number (exact; values above 2^63 - 1 included). */
  void setMinimumLaunchTcb(BigInteger tcb) throws ManagerException {
    ObjectNode policy = policyObject();
    policy.set(keyFor(policy, PolicyField.MINIMUM_LAUNCH_TCB), BigIntegerNode.valueOf(tcb));
  }

  byte[] toPrettyJson() throws ManagerException {
    try {
      return PRETTY.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new ManagerException(
          ManagerException.Reason.INTERNAL,
          "cannot write the attestation policy: " + e.getOriginalMessage(),
          e);
    }
  }

  /** An unsigned 64-bit value as a decimal string, or empty if {@code text} is not one. */
  static Optional<BigInteger> parseUnsigned64(String text) {
    if (text == null || !text.matches("[0-9]{1,20}")) {
      return Optional.empty();
    }
    return unsigned64(new BigDecimal(text));
  }

  private static Optional<BigInteger> unsigned64(BigDecimal value) {
    BigDecimal v = value.stripTrailingZeros();
    // Checked before any conversion: 1e999999999 would otherwise become a billion-digit integer.
    if (v.scale() > 0 || v.precision() - v.scale() > 20) {
      return Optional.empty(); // a fraction, or more digits than 2^64 has
    }
    BigInteger integer = v.toBigIntegerExact();
    return integer.signum() >= 0 && integer.compareTo(TWO_TO_THE_64) < 0
        ? Optional.of(integer)
        : Optional.empty();
  }

  /**
   * The {@code policy} object, added if the tool printed none (upstream starts from an empty
   * check.Policy and sets the three fields in it).
   */
  private ObjectNode policyObject() throws ManagerException {
    JsonNode policy = root.get(POLICY);
    if (policy == null || policy.isNull()) {
      return root.putObject(POLICY);
    }
    if (policy instanceof ObjectNode o) {
      return o;
    }
    throw ExternalTool.failure(
        tool + " printed \"policy\" as a JSON " + policy.getNodeType() + ", not an object");
  }

  /** The name the tool printed the field under; snake_case if it printed neither. */
  private String keyFor(ObjectNode policy, PolicyField field) throws ManagerException {
    boolean snake = policy.has(field.snakeCase);
    boolean camel = policy.has(field.camelCase);
    if (snake && camel && !field.snakeCase.equals(field.camelCase)) {
      throw ExternalTool.failure(
          tool
              + " printed both policy."
              + field.snakeCase
              + " and policy."
              + field.camelCase
              + ", one field under two names, which verifiers reject as a duplicate field");
    }
    return camel ? field.camelCase : field.snakeCase;
  }
}
