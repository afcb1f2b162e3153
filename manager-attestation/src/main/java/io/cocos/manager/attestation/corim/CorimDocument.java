package io.cocos.manager.attestation.corim;

import static io.cocos.manager.attestation.corim.CorimEncoder.CLASS_ID;
import static io.cocos.manager.attestation.corim.CorimEncoder.COMID_TAG_IDENTITY;
import static io.cocos.manager.attestation.corim.CorimEncoder.COMID_TRIPLES;
import static io.cocos.manager.attestation.corim.CorimEncoder.CORIM_ID;
import static io.cocos.manager.attestation.corim.CorimEncoder.CORIM_TAGS;
import static io.cocos.manager.attestation.corim.CorimEncoder.ENVIRONMENT_CLASS;
import static io.cocos.manager.attestation.corim.CorimEncoder.ENVIRONMENT_INSTANCE;
import static io.cocos.manager.attestation.corim.CorimEncoder.MEASUREMENT_KEY;
import static io.cocos.manager.attestation.corim.CorimEncoder.MEASUREMENT_VALUES;
import static io.cocos.manager.attestation.corim.CorimEncoder.TAG_BYTES;
import static io.cocos.manager.attestation.corim.CorimEncoder.TAG_COMID;
import static io.cocos.manager.attestation.corim.CorimEncoder.TAG_ID;
import static io.cocos.manager.attestation.corim.CorimEncoder.TAG_MIN_SVN;
import static io.cocos.manager.attestation.corim.CorimEncoder.TAG_SVN;
import static io.cocos.manager.attestation.corim.CorimEncoder.TAG_UUID;
import static io.cocos.manager.attestation.corim.CorimEncoder.TRIPLES_REFERENCE_VALUES;
import static io.cocos.manager.attestation.corim.CorimEncoder.VALUES_DIGESTS;
import static io.cocos.manager.attestation.corim.CorimEncoder.VALUES_RAW_VALUE;
import static io.cocos.manager.attestation.corim.CorimEncoder.VALUES_SVN;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A CoRIM read back: a COSE_Sign1-signed one or an unsigned one (the unsigned-corim-map, bare or
 * tagged 501), with the parts of its CoMIDs this manager writes: tag ids, reference-value
 * environments and measurements (digests, SVNs, raw values). Other CoRIM content is tolerated and
 * left out.
 */
public final class CorimDocument {
  static final long TAG_UNSIGNED_CORIM = 501;
  private static final HexFormat HEX = HexFormat.of();
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** The COSE_Sign1 envelope of a signed CoRIM. */
  public record Envelope(
      byte[] protectedHeader,
      Optional<CoseAlgorithm> algorithm,
      long algorithmId,
      Optional<String> contentType,
      byte[] payload,
      byte[] signature) {}

  public record Digest(long algorithm, byte[] value) {
    /** The named-information name of the algorithm (RFC 6920 registry), or its number. */
    public String algorithmName() {
      return switch ((int) algorithm) {
        case 1 -> "sha-256";
        case 7 -> "sha-384";
        case 8 -> "sha-512";
        default -> "alg-" + algorithm;
      };
    }
  }

  /**
   * @param minimum a {@code tagged-min-svn} (a lower bound) rather than an exact {@code tagged-svn}
   */
  public record Svn(BigInteger value, boolean minimum) {}

  public record Measurement(
      Optional<String> key, List<Digest> digests, Optional<Svn> svn, Optional<byte[]> rawValue) {}

  public record ReferenceTriple(
      Optional<String> classId, Optional<String> instanceId, List<Measurement> measurements) {}

  public record Comid(String tagId, List<ReferenceTriple> referenceValues) {}

  private final Optional<Envelope> envelope;
  private final String id;
  private final List<Comid> comids;

  private CorimDocument(Optional<Envelope> envelope, String id, List<Comid> comids) {
    this.envelope = envelope;
    this.id = id;
    this.comids = List.copyOf(comids);
  }

  public static CorimDocument parse(byte[] data) throws CborException {
    Cbor top = CborCodec.decode(data);
    if (top instanceof Cbor.Tagged t && t.tag() == CorimSigner.TAG_COSE_SIGN1) {
      Envelope envelope = envelope(t.content());
      return unsigned(CborCodec.decode(envelope.payload()), Optional.of(envelope));
    }
    return unsigned(top, Optional.empty());
  }

  private static Envelope envelope(Cbor content) throws CborException {
    List<Cbor> parts = array(content, "the COSE_Sign1");
    if (parts.size() != 4) {
      throw new CborException("the COSE_Sign1 has " + parts.size() + " elements, not 4");
    }
    byte[] protectedBytes = bytes(parts.get(0), "the COSE_Sign1 protected header");
    Cbor.CborMap header = map(CborCodec.decode(protectedBytes), "the COSE_Sign1 protected header");
    Cbor alg =
        header
            .get(CorimSigner.HEADER_ALG)
            .orElseThrow(
                () ->
                    new CborException(
                        "the COSE_Sign1 protected header has no algorithm (label 1)"));
    long algId = integer(alg, "the COSE algorithm").longValueExact();
    Optional<String> contentType = Optional.empty();
    Optional<Cbor> ct = header.get(CorimSigner.HEADER_CONTENT_TYPE);
    if (ct.isPresent()) {
      contentType =
          Optional.of(ct.get() instanceof Cbor.Text text ? text.value() : ct.get().toString());
    }
    map(parts.get(1), "the COSE_Sign1 unprotected header");
    return new Envelope(
        protectedBytes,
        CoseAlgorithm.forId(algId),
        algId,
        contentType,
        bytes(parts.get(2), "the COSE_Sign1 payload (a detached payload is not supported)"),
        bytes(parts.get(3), "the COSE_Sign1 signature"));
  }

  private static CorimDocument unsigned(Cbor value, Optional<Envelope> envelope)
      throws CborException {
    if (value instanceof Cbor.Tagged t && t.tag() == TAG_UNSIGNED_CORIM) {
      value = t.content();
    }
    Cbor.CborMap corim = map(value, "the CoRIM (unsigned-corim-map)");
    String id =
        idText(
            corim
                .get(CORIM_ID)
                .orElseThrow(() -> new CborException("the CoRIM has no id (key 0)")));
    List<Comid> comids = new ArrayList<>();
    for (Cbor tag :
        array(
            corim
                .get(CORIM_TAGS)
                .orElseThrow(() -> new CborException("the CoRIM has no tags (key 1)")),
            "the CoRIM's tags")) {
      if (tag instanceof Cbor.Tagged t && t.tag() == TAG_COMID) {
        Cbor content =
            t.content() instanceof Cbor.Bytes b ? CborCodec.decode(b.value()) : t.content();
        comids.add(comid(map(content, "a CoMID")));
      }
    }
    return new CorimDocument(envelope, id, comids);
  }

  private static Comid comid(Cbor.CborMap comid) throws CborException {
    Cbor.CborMap identity =
        map(
            comid
                .get(COMID_TAG_IDENTITY)
                .orElseThrow(() -> new CborException("a CoMID has no tag identity (key 1)")),
            "a CoMID's tag identity");
    String tagId =
        idText(
            identity
                .get(TAG_ID)
                .orElseThrow(() -> new CborException("a CoMID tag identity has no id")));
    List<ReferenceTriple> triples = new ArrayList<>();
    Optional<Cbor> triplesMap = comid.get(COMID_TRIPLES);
    if (triplesMap.isPresent()) {
      Optional<Cbor> reference =
          map(triplesMap.get(), "a CoMID's triples").get(TRIPLES_REFERENCE_VALUES);
      if (reference.isPresent()) {
        for (Cbor triple : array(reference.get(), "the reference-value triples")) {
          List<Cbor> parts = array(triple, "a reference-value triple");
          if (parts.size() != 2) {
            throw new CborException(
                "a reference-value triple has " + parts.size() + " elements, not 2");
          }
          Cbor.CborMap environment = map(parts.get(0), "an environment");
          Optional<String> classId = Optional.empty();
          Optional<Cbor> classMap = environment.get(ENVIRONMENT_CLASS);
          if (classMap.isPresent()) {
            classId = map(classMap.get(), "a class map").get(CLASS_ID).map(CorimDocument::idText);
          }
          Optional<String> instance =
              environment.get(ENVIRONMENT_INSTANCE).map(CorimDocument::idText);
          List<Measurement> measurements = new ArrayList<>();
          for (Cbor m : array(parts.get(1), "a triple's measurements")) {
            measurements.add(measurement(map(m, "a measurement")));
          }
          triples.add(new ReferenceTriple(classId, instance, measurements));
        }
      }
    }
    return new Comid(tagId, triples);
  }

  private static Measurement measurement(Cbor.CborMap m) throws CborException {
    Optional<String> key = m.get(MEASUREMENT_KEY).map(CorimDocument::idText);
    Cbor.CborMap values =
        map(
            m.get(MEASUREMENT_VALUES)
                .orElseThrow(() -> new CborException("a measurement has no values (key 1)")),
            "a measurement's values");
    List<Digest> digests = new ArrayList<>();
    Optional<Cbor> d = values.get(VALUES_DIGESTS);
    if (d.isPresent()) {
      for (Cbor entry : array(d.get(), "digests")) {
        List<Cbor> pair = array(entry, "a digest");
        if (pair.size() != 2) {
          throw new CborException("a digest has " + pair.size() + " elements, not 2");
        }
        digests.add(
            new Digest(
                integer(pair.get(0), "a digest's algorithm").longValueExact(),
                bytes(pair.get(1), "a digest's value")));
      }
    }
    Optional<Svn> svn = Optional.empty();
    Optional<Cbor> s = values.get(VALUES_SVN);
    if (s.isPresent()) {
      if (s.get() instanceof Cbor.Tagged t && (t.tag() == TAG_SVN || t.tag() == TAG_MIN_SVN)) {
        svn = Optional.of(new Svn(integer(t.content(), "an SVN"), t.tag() == TAG_MIN_SVN));
      } else {
        svn = Optional.of(new Svn(integer(s.get(), "an SVN"), false));
      }
    }
    Optional<byte[]> raw = Optional.empty();
    Optional<Cbor> r = values.get(VALUES_RAW_VALUE);
    if (r.isPresent()) {
      Cbor content =
          r.get() instanceof Cbor.Tagged t && t.tag() == TAG_BYTES ? t.content() : r.get();
      raw = Optional.of(bytes(content, "a raw value"));
    }
    return new Measurement(key, digests, svn, raw);
  }

  public String id() {
    return id;
  }

  public List<Comid> comids() {
    return comids;
  }

  public Optional<Envelope> envelope() {
    return envelope;
  }

  public boolean signed() {
    return envelope.isPresent();
  }

  /**
   * Whether the COSE_Sign1 signature verifies with this EC public key. False for a key of another
   * type or curve than the header's algorithm.
   *
   * @throws IllegalStateException the CoRIM is not signed, or names an algorithm other than
   *     ES256/ES384
   */
  public boolean verify(PublicKey key) {
    Envelope e = envelope.orElseThrow(() -> new IllegalStateException("the CoRIM is not signed"));
    CoseAlgorithm algorithm =
        e.algorithm()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "the CoRIM is signed with COSE algorithm "
                            + e.algorithmId()
                            + "; ES256 (-7) and ES384 (-35) are supported"));
    if (!(key instanceof ECPublicKey ec) || CoseAlgorithm.forKey(ec).orElse(null) != algorithm) {
      return false;
    }
    try {
      Signature verifier = Signature.getInstance(algorithm.jcaName);
      verifier.initVerify(key);
      verifier.update(CorimSigner.sigStructure(e.protectedHeader(), e.payload()));
      return verifier.verify(e.signature());
    } catch (GeneralSecurityException ex) {
      return false; // a malformed signature is one that does not verify
    }
  }

  /**
   * The document as JSON: ids as text, byte strings as hex.
   *
   * @param verified the outcome of {@link #verify}, when it was checked
   */
  public String toJson(Optional<Boolean> verified) {
    ObjectNode root = JSON.createObjectNode();
    verified.ifPresent(v -> root.put("verified", v));
    root.put("id", id);
    envelope.ifPresent(
        e -> {
          ObjectNode s = root.putObject("signature");
          s.put("algorithm", e.algorithm().map(Enum::name).orElse(String.valueOf(e.algorithmId())));
          e.contentType().ifPresent(ct -> s.put("content_type", ct));
          s.put("value", HEX.formatHex(e.signature()));
        });
    ArrayNode comidArray = root.putArray("comids");
    for (Comid c : comids) {
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
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The document as indented text lines, for people. */
  public List<String> describe() {
    List<String> lines = new ArrayList<>();
    lines.add("CoRIM " + id);
    if (envelope.isPresent()) {
      Envelope e = envelope.get();
      lines.add(
          "  signed: COSE_Sign1, "
              + e.algorithm().map(Enum::name).orElse("algorithm " + e.algorithmId())
              + e.contentType().map(ct -> ", content type " + ct).orElse(""));
    } else {
      lines.add("  unsigned");
    }
    for (Comid c : comids) {
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

  private static Cbor.CborMap map(Cbor value, String what) throws CborException {
    if (value instanceof Cbor.CborMap m) {
      return m;
    }
    throw new CborException(what + " is not a CBOR map");
  }

  private static List<Cbor> array(Cbor value, String what) throws CborException {
    if (value instanceof Cbor.Array a) {
      return a.items();
    }
    throw new CborException(what + " is not a CBOR array");
  }

  private static byte[] bytes(Cbor value, String what) throws CborException {
    if (value instanceof Cbor.Bytes b) {
      return b.value();
    }
    throw new CborException(what + " is not a CBOR byte string");
  }

  private static BigInteger integer(Cbor value, String what) throws CborException {
    if (value instanceof Cbor.Int i) {
      return i.value();
    }
    throw new CborException(what + " is not a CBOR integer");
  }

  /** An id as text: a text string as is, a tagged UUID in its usual form, other values in hex. */
  private static String idText(Cbor value) {
    if (value instanceof Cbor.Text t) {
      return t.value();
    }
    if (value instanceof Cbor.Tagged t
        && t.tag() == TAG_UUID
        && t.content() instanceof Cbor.Bytes b
        && b.value().length == 16) {
      ByteBuffer buffer = ByteBuffer.wrap(b.value());
      return new UUID(buffer.getLong(), buffer.getLong()).toString();
    }
    if (value instanceof Cbor.Bytes b) {
      return HEX.formatHex(b.value());
    }
    return value.toString();
  }
}
