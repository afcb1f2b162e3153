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

import io.cocos.manager.attestation.corim.CorimDocument.Comid;
import io.cocos.manager.attestation.corim.CorimDocument.Digest;
import io.cocos.manager.attestation.corim.CorimDocument.Envelope;
import io.cocos.manager.attestation.corim.CorimDocument.Measurement;
import io.cocos.manager.attestation.corim.CorimDocument.ReferenceTriple;
import io.cocos.manager.attestation.corim.CorimDocument.Svn;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Reads a CoRIM's CBOR into a {@link CorimDocument}: the COSE_Sign1 envelope, the
 * unsigned-corim-map and the parts of its CoMIDs the document keeps. Every shape it does not accept
 * is a {@link CborException} that says which part is wrong.
 */
final class CorimDecoder {
  static final long TAG_UNSIGNED_CORIM = 501;
  private static final HexFormat HEX = HexFormat.of();

  private CorimDecoder() {}

  static CorimDocument decode(byte[] data) throws CborException {
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
            classId = map(classMap.get(), "a class map").get(CLASS_ID).map(CorimDecoder::idText);
          }
          Optional<String> instance =
              environment.get(ENVIRONMENT_INSTANCE).map(CorimDecoder::idText);
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
    Optional<String> key = m.get(MEASUREMENT_KEY).map(CorimDecoder::idText);
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
