package io.cocos.manager.attestation.corim;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.util.List;
import java.util.Optional;

/**
 * A CoRIM read back: a COSE_Sign1-signed one or an unsigned one (the unsigned-corim-map, bare or
 * tagged 501), with the parts of its CoMIDs this manager writes: tag ids, reference-value
 * environments and measurements (digests, SVNs, raw values). Other CoRIM content is tolerated and
 * left out.
 */
public final class CorimDocument {
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

  CorimDocument(Optional<Envelope> envelope, String id, List<Comid> comids) {
    this.envelope = envelope;
    this.id = id;
    this.comids = List.copyOf(comids);
  }

  /** Reads a CoRIM: signed (tagged COSE_Sign1) or unsigned (bare or tagged 501). */
  public static CorimDocument parse(byte[] data) throws CborException {
    return CorimDecoder.decode(data);
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
    return CorimText.toJson(this, verified);
  }

  /** The document as indented text lines, for people. */
  public List<String> describe() {
    return CorimText.describe(this);
  }
}
