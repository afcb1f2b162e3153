package io.cocos.manager.attestation.corim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cocos.manager.attestation.corim.CorimDocument.Comid;
import io.cocos.manager.attestation.corim.CorimDocument.Envelope;
import io.cocos.manager.attestation.corim.CorimDocument.Measurement;
import io.cocos.manager.attestation.corim.CorimDocument.ReferenceTriple;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/** How a {@link CorimDocument} is shown: as JSON for programs, as indented lines for people. */
final class CorimText {
  private static final HexFormat HEX = HexFormat.of();
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private CorimText() {}

  /**
   * The document as JSON: ids as text, byte strings as hex.
   *
   * @param verified the outcome of {@link CorimDocument#verify}, when it was checked
   */
  static String toJson(CorimDocument doc, Optional<Boolean> verified) {
    ObjectNode root = JSON.createObjectNode();
    verified.ifPresent(v -> root.put("verified", v));
    root.put("id", doc.id());
    doc.envelope()
        .ifPresent(
            e -> {
              ObjectNode s = root.putObject("signature");
              s.put(
                  "algorithm",
                  e.algorithm().map(Enum::name).orElse(String.valueOf(e.algorithmId())));
              e.contentType().ifPresent(ct -> s.put("content_type", ct));
              s.put("value", HEX.formatHex(e.signature()));
            });
    ArrayNode comidArray = root.putArray("comids");
    for (Comid c : doc.comids()) {
      ObjectNode cn = comidArray.addObject();
      cn.put("tag_id", c.tagId());
      ArrayNode rv = cn.putArray("reference_values");
      for (ReferenceTriple t : c.referenceValues()) {
        ObjectNode tn = rv.addObject();
        ObjectNode env = tn.putObject("environment");
        t.classId().ifPresent(v -> env.put("class_id", v));
        t.instanceId().ifPresent(v -> env.put("instance_id", v));
        ArrayNode ms = tn.putArray("measurements");
        for (Measurement m : t.measurements()) {
          ObjectNode mn = ms.addObject();
          m.key().ifPresent(k -> mn.put("key", k));
          ArrayNode ds = mn.putArray("digests");
          m.digests()
              .forEach(
                  d ->
                      ds.addObject()
                          .put("alg", d.algorithmName())
                          .put("value", HEX.formatHex(d.value())));
          m.svn().ifPresent(s -> mn.put(s.minimum() ? "min_svn" : "svn", s.value()));
          m.rawValue().ifPresent(r -> mn.put("raw_value", HEX.formatHex(r)));
        }
      }
    }
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The document as indented text lines, for people. */
  static List<String> describe(CorimDocument doc) {
    List<String> lines = new ArrayList<>();
    lines.add("CoRIM " + doc.id());
    if (doc.envelope().isPresent()) {
      Envelope e = doc.envelope().get();
      lines.add(
          "  signed: COSE_Sign1, "
              + e.algorithm().map(Enum::name).orElse("algorithm " + e.algorithmId())
              + e.contentType().map(ct -> ", content type " + ct).orElse(""));
    } else {
      lines.add("  unsigned");
    }
    for (Comid c : doc.comids()) {
      lines.add("  CoMID " + c.tagId());
      for (ReferenceTriple t : c.referenceValues()) {
        lines.add(
            "    reference values for class "
                + t.classId().orElse("(none)")
                + t.instanceId().map(i -> ", instance " + i).orElse(""));
        for (Measurement m : t.measurements()) {
          lines.add("      measurement " + m.key().orElse("(no key)"));
          m.digests()
              .forEach(
                  d -> lines.add("        " + d.algorithmName() + ": " + HEX.formatHex(d.value())));
          m.svn()
              .ifPresent(
                  s ->
                      lines.add(
                          "        "
                              + (s.minimum() ? "minimum svn: " : "svn: ")
                              + s.value()
                              + " (0x"
                              + s.value().toString(16)
                              + ")"));
          m.rawValue().ifPresent(r -> lines.add("        raw value: " + HEX.formatHex(r)));
        }
      }
    }
    return lines;
  }
}
