package io.cocos.manager.attestation.corim;

import static io.cocos.manager.attestation.corim.Cbor.array;
import static io.cocos.manager.attestation.corim.Cbor.bytes;
import static io.cocos.manager.attestation.corim.Cbor.entry;
import static io.cocos.manager.attestation.corim.Cbor.integer;
import static io.cocos.manager.attestation.corim.Cbor.map;
import static io.cocos.manager.attestation.corim.Cbor.tagged;
import static io.cocos.manager.attestation.corim.Cbor.text;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * An unsigned CoRIM (draft-ietf-rats-corim) in the shape upstream's generator gives it: the map
 * {@code {0: "<platform>-corim-<uuid>", 1: [506(<CoMID>)]}}, the CoMID tag wrapping its encoded
 * concise-mid-tag as the draft's {@code #6.506(bytes .cbor concise-mid-tag)}; the CoMID holding its
 * tag identity and one reference-value triple. The triple's environment has a class id (a random
 * UUID, as upstream) and, given a CPU model, an instance id (the UUIDv5 of the model under the OID
 * namespace, as upstream); its measurements carry:
 *
 * <ul>
 *   <li>SEV-SNP: one measurement whose values are the launch digest as a sha-384 digest
 *       (named-information id 7), the minimum launch TCB as a {@code tagged-min-svn} ({@code
 *       #6.553}, "a lower bound for allowed SVN") and the host data, when there is some, as a
 *       {@code raw-value} ({@code #6.560} tagged bytes);
 *   <li>TDX: MRTD (with the SVN as a {@code tagged-svn}, {@code #6.552}, when one is given), MRSEAM
 *       and the RTMRs, in that order, each a sha-384 digest.
 * </ul>
 *
 * <p>Each measurement's key is a random UUID, as upstream's; ids come from {@code randomIds}.
 */
public final class CorimEncoder {
  // CoRIM and CoMID map keys and CBOR tags (draft-ietf-rats-corim).
  static final int CORIM_ID = 0;
  static final int CORIM_TAGS = 1;
  static final long TAG_COMID = 506;
  static final int COMID_TAG_IDENTITY = 1;
  static final int COMID_TRIPLES = 4;
  static final int TAG_ID = 0;
  static final int TRIPLES_REFERENCE_VALUES = 0;
  static final int ENVIRONMENT_CLASS = 0;
  static final int ENVIRONMENT_INSTANCE = 1;
  static final int CLASS_ID = 0;
  static final int MEASUREMENT_KEY = 0;
  static final int MEASUREMENT_VALUES = 1;
  static final int VALUES_SVN = 1;
  static final int VALUES_DIGESTS = 2;
  static final int VALUES_RAW_VALUE = 4;
  static final long TAG_UUID = 37;
  static final long TAG_SVN = 552;
  static final long TAG_MIN_SVN = 553;
  static final long TAG_BYTES = 560;

  /** Named Information Hash Algorithm Registry: sha-384. */
  static final int SHA_384 = 7;

  /** RFC 4122's name space for ISO OIDs, the one upstream derives the instance id under. */
  static final UUID NAMESPACE_OID = UUID.fromString("6ba7b812-9dad-11d1-80b4-00c04fd430c8");

  private final Supplier<UUID> randomIds;

  public CorimEncoder() {
    this(UUID::randomUUID);
  }

  CorimEncoder(Supplier<UUID> randomIds) {
    this.randomIds = randomIds;
  }

  /** The encoded unsigned-corim-map. */
  public byte[] encode(ReferenceValues values) {
    Cbor comid =
        map(
            entry(
                COMID_TAG_IDENTITY,
                map(entry(TAG_ID, text(values.platform() + "-tag-" + randomIds.get())))),
            entry(
                COMID_TRIPLES,
                map(
                    entry(
                        TRIPLES_REFERENCE_VALUES,
                        array(array(environment(values), measurements(values)))))));
    Cbor corim =
        map(
            entry(CORIM_ID, text(values.platform() + "-corim-" + randomIds.get())),
            entry(CORIM_TAGS, array(tagged(TAG_COMID, bytes(CborCodec.encode(comid))))));
    return CborCodec.encode(corim);
  }

  private Cbor environment(ReferenceValues values) {
    List<Cbor.Entry> entries = new ArrayList<>();
    entries.add(entry(ENVIRONMENT_CLASS, map(entry(CLASS_ID, uuid(randomIds.get())))));
    values
        .product()
        .ifPresent(
            p -> entries.add(entry(ENVIRONMENT_INSTANCE, uuid(nameBasedUuid(NAMESPACE_OID, p)))));
    return map(entries);
  }

  private Cbor measurements(ReferenceValues values) {
    if (values instanceof ReferenceValues.Snp snp) {
      List<Cbor.Entry> mval = new ArrayList<>();
      mval.add(entry(VALUES_SVN, tagged(TAG_MIN_SVN, Cbor.unsigned(snp.minimumLaunchTcb()))));
      mval.add(entry(VALUES_DIGESTS, sha384(snp.launchDigest())));
      snp.hostData().ifPresent(h -> mval.add(entry(VALUES_RAW_VALUE, tagged(TAG_BYTES, bytes(h)))));
      return array(measurement(map(mval)));
    }
    ReferenceValues.Tdx tdx = (ReferenceValues.Tdx) values;
    List<Cbor> list = new ArrayList<>();
    List<Cbor.Entry> mrtd = new ArrayList<>();
    tdx.svn().ifPresent(s -> mrtd.add(entry(VALUES_SVN, tagged(TAG_SVN, integer(s)))));
    mrtd.add(entry(VALUES_DIGESTS, sha384(tdx.mrtd())));
    list.add(measurement(map(mrtd)));
    list.add(measurement(map(entry(VALUES_DIGESTS, sha384(tdx.mrSeam())))));
    tdx.rtmrs().forEach(r -> list.add(measurement(map(entry(VALUES_DIGESTS, sha384(r))))));
    return array(list);
  }

  private Cbor measurement(Cbor values) {
    return map(entry(MEASUREMENT_KEY, uuid(randomIds.get())), entry(MEASUREMENT_VALUES, values));
  }

  private static Cbor sha384(byte[] digest) {
    return array(array(integer(SHA_384), bytes(digest)));
  }

  static Cbor uuid(UUID id) {
    return tagged(TAG_UUID, bytes(uuidBytes(id)));
  }

  static byte[] uuidBytes(UUID id) {
    return ByteBuffer.allocate(16)
        .putLong(id.getMostSignificantBits())
        .putLong(id.getLeastSignificantBits())
        .array();
  }

  /** RFC 4122 §4.3 version 5 (SHA-1) UUID of a name in a name space, as Go's uuid.NewSHA1. */
  public static UUID nameBasedUuid(UUID namespace, String name) {
    byte[] hash;
    try {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      sha1.update(uuidBytes(namespace));
      hash = sha1.digest(name.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-1", e);
    }
    hash[6] = (byte) ((hash[6] & 0x0f) | 0x50); // version 5
    hash[8] = (byte) ((hash[8] & 0x3f) | 0x80); // RFC 4122 variant
    ByteBuffer b = ByteBuffer.wrap(hash, 0, 16);
    return new UUID(b.getLong(), b.getLong());
  }
}
