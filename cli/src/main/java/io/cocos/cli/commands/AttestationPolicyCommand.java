package io.cocos.cli.commands;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import io.cocos.cli.CliContext;
import io.cocos.cli.CliException;
import io.cocos.cli.ExitCode;
import io.cocos.cli.Files2;
import io.cocos.cli.Json;
import io.cocos.cli.manager.ManagerConnection;
import io.cocos.manager.api.AttestationPolicyReq;
import io.cocos.manager.api.AttestationPolicyRes;
import io.cocos.manager.attestation.corim.CborException;
import io.cocos.manager.attestation.corim.CorimDocument;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "attestation-policy",
    description = {
      "Print the attestation policy of a CVM.",
      "",
      "The policy (JSON, pretty-printed) that a verifier should hold the CVM's attestation report "
          + "against; SEV-SNP and TDX CVMs only. A manager run with MANAGER_ATTESTATION_POLICY_FORMAT=corim "
          + "returns a CoRIM: -o writes it as it is (CBOR), otherwise it is printed as "
          + "policy verify-corim prints it.",
      ""
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  cocos-cli attestation-policy e71cdcf5-21c0-4e1d-9471-ac6b4389d5f3",
      "  cocos-cli attestation-policy e71cdcf5-21c0-4e1d-9471-ac6b4389d5f3 \\",
      "      -o policy.json",
      "  cocos-cli attestation-policy e71cdcf5-21c0-4e1d-9471-ac6b4389d5f3 --json \\",
      "      | jq -r .policy.policy.measurement"
    })
public final class AttestationPolicyCommand extends ManagerCommand {
  @Parameters(paramLabel = "<cvm_id>", description = "Id of the CVM.")
  String cvmId;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "<file>",
      description = "Write the policy to this file instead of stdout.")
  String output;

  @Option(
      names = "--json",
      description = "Print {\"id\": <cvm_id>, \"policy\": <policy>} (with -o: {\"id\", \"file\"}).")
  boolean json;

  public AttestationPolicyCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  protected int run(ManagerConnection manager) {
    AttestationPolicyRes res =
        manager.stub().attestationPolicy(AttestationPolicyReq.newBuilder().setId(cvmId).build());
    String id = res.getId().isEmpty() ? cvmId : res.getId();
    byte[] bytes = res.getInfo().toByteArray();
    if (bytes.length > 0 && bytes[0] != '{' && !Character.isWhitespace(bytes[0])) {
      return corim(id, bytes);
    }
    JsonElement policy;
    try {
      policy = Json.parse(res.getInfo().toString(StandardCharsets.UTF_8));
    } catch (JsonParseException e) {
      throw new CliException(
          ExitCode.FAILURE,
          "the manager's attestation policy for "
              + cvmId
              + " is not JSON: "
              + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
    }
    if (output != null) {
      return save(
          id, (Json.pretty(policy) + "\n").getBytes(StandardCharsets.UTF_8), "Attestation policy");
    }
    if (json) {
      JsonObject o = new JsonObject();
      o.addProperty("id", id);
      o.add("policy", policy);
      out().println(Json.pretty(o));
    } else {
      out().println(Json.pretty(policy));
    }
    return ExitCode.OK;
  }

  /**
   * A CoRIM policy (MANAGER_ATTESTATION_POLICY_FORMAT=corim): written as it is with -o, otherwise
   * printed as policy verify-corim prints it (--json: its JSON form under "policy").
   */
  private int corim(String id, byte[] bytes) {
    CorimDocument doc;
    try {
      doc = CorimDocument.parse(bytes);
    } catch (CborException e) {
      throw new CliException(
          ExitCode.FAILURE,
          "the manager's attestation policy for "
              + cvmId
              + " is neither JSON nor a CoRIM: "
              + e.getMessage());
    }
    if (output != null) {
      return save(id, bytes, "Attestation policy (CoRIM)");
    }
    if (json) {
      JsonObject o = new JsonObject();
      o.addProperty("id", id);
      o.add("policy", Json.parse(doc.toJson(Optional.empty())));
      out().println(Json.pretty(o));
    } else {
      doc.describe().forEach(out()::println);
    }
    return ExitCode.OK;
  }

  /** Writes the policy to -o's file and says where (--json: as {"id", "file"}). */
  private int save(String id, byte[] policy, String what) {
    Path file = ctx.resolve(output);
    try {
      Files.write(file, policy);
    } catch (IOException e) {
      throw new CliException(ExitCode.LOCAL, "cannot write " + output + ": " + Files2.reason(e));
    }
    if (json) {
      JsonObject o = new JsonObject();
      o.addProperty("id", id);
      o.addProperty("file", file.toString());
      out().println(Json.pretty(o));
    } else {
      out().println(ctx.outStyle().green("✅ " + what + " of CVM " + id + " written to " + output));
    }
    return ExitCode.OK;
  }
}
