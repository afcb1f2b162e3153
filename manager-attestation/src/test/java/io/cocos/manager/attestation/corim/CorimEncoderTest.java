package io.cocos.manager.attestation.corim;

import static org.assertj.core.api.Assertions.assertThat;

import com.upokecenter.cbor.CBORObject;
import com.upokecenter.numbers.EInteger;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The CoRIM's structure, built again with an independent CBOR library (com.upokecenter:cbor) and
 * compared byte for byte; ids that are random in use come from a fixed sequence here.
 */
class CorimEncoderTest {
  private static final HexFormat HEX = HexFormat.of();
  static final byte[] DIGEST = bytes(48, 0xa0);
  static final byte[] HOST_DATA = bytes(32, 0x10);
  static final BigInteger TCB = new BigInteger("15352208179752599555");

  static byte[] bytes(int n, int first) {
    byte[] b = new byte[n];
    IntStream.range(0, n).forEach(i -> b[i] = (byte) (first + i));
    return b;
  }

  /** UUIDs 00000000-0000-4000-8000-00000000000N, N = 1, 2, ... */
  static final class FixedIds implements Supplier<UUID> {
    private long next = 1;

    @Override
    public UUID get() {
      return new UUID(0x4000L, 0x8000000000000000L | next++);
    }
  }

  private static UUID fixed(long n) {
    return new UUID(0x4000L, 0x8000000000000000L | n);
  }

  private static CBORObject uuid(UUID id) {
    byte[] b =
        ByteBuffer.allocate(16)
            .putLong(id.getMostSignificantBits())
            .putLong(id.getLeastSignificantBits())
            .array();
    return CBORObject.FromObjectAndTag(CBORObject.FromObject(b), 37);
  }

  private static CBORObject sha384(byte[] digest) {
    return CBORObject.NewArray()
        .Add(CBORObject.NewArray().Add(7).Add(CBORObject.FromObject(digest)));
  }

  /**
   * uuid.uuid5(uuid.NAMESPACE_OID, name) in Python, uuid.NewSHA1(uuid.NameSpaceOID, name) in Go.
   */
  static final UUID MILAN_INSTANCE = UUID.fromString("1e73b153-b2c2-5f83-950c-a04adab2cb0f");

  static final UUID HOST_INSTANCE = UUID.fromString("27321847-ebfb-5e80-9d69-02cb9f442e89");

  /** The expected CoRIM, built independently. */
  private static byte[] expected(
      String platform,
      UUID tagId,
      UUID corimId,
      UUID classId,
      UUID instanceId,
      CBORObject measurements) {
    CBORObject environment =
        CBORObject.NewOrderedMap()
            .Add(0, CBORObject.NewOrderedMap().Add(0, uuid(classId)))
            .Add(1, uuid(instanceId));
    CBORObject comid =
        CBORObject.NewOrderedMap()
            .Add(1, CBORObject.NewOrderedMap().Add(0, platform + "-tag-" + tagId))
            .Add(
                4,
                CBORObject.NewOrderedMap()
                    .Add(
                        0,
                        CBORObject.NewArray()
                            .Add(CBORObject.NewArray().Add(environment).Add(measurements))));
    return CBORObject.NewOrderedMap()
        .Add(0, platform + "-corim-" + corimId)
        .Add(
            1,
            CBORObject.NewArray()
                .Add(
                    CBORObject.FromObjectAndTag(CBORObject.FromObject(comid.EncodeToBytes()), 506)))
        .EncodeToBytes();
  }

  @Test
  void snpCorimIsExactlyTheExpectedStructure() {
    byte[] ours =
        new CorimEncoder(new FixedIds())
            .encode(
                new ReferenceValues.Snp(DIGEST, Optional.of(HOST_DATA), TCB, Optional.of("Milan")));
    // draw order: tag id (1), class id (2), measurement key (3), corim id (4)
    CBORObject values =
        CBORObject.NewOrderedMap()
            .Add(
                1,
                CBORObject.FromObjectAndTag(
                    CBORObject.FromObject(EInteger.FromString(TCB.toString())), 553))
            .Add(2, sha384(DIGEST))
            .Add(4, CBORObject.FromObjectAndTag(CBORObject.FromObject(HOST_DATA), 560));
    CBORObject measurements =
        CBORObject.NewArray().Add(CBORObject.NewOrderedMap().Add(0, uuid(fixed(3))).Add(1, values));
    assertThat(HEX.formatHex(ours))
        .isEqualTo(
            HEX.formatHex(
                expected("snp", fixed(1), fixed(4), fixed(2), MILAN_INSTANCE, measurements)));
  }

  @Test
  void withRandomIdsTheCorimDiffersFromTheGoldenOneOnlyInThoseIds() {
    ReferenceValues values =
        new ReferenceValues.Snp(DIGEST, Optional.of(HOST_DATA), TCB, Optional.of("Milan"));
    byte[] golden = new CorimEncoder(new FixedIds()).encode(values);
    byte[] first = new CorimEncoder().encode(values);
    byte[] second = new CorimEncoder().encode(values);
    assertThat(first).isNotEqualTo(second);
    assertThat(withoutRandomIds(first)).isEqualTo(withoutRandomIds(golden));
    assertThat(withoutRandomIds(second)).isEqualTo(withoutRandomIds(golden));
  }

  /**
   * The CoRIM with its random ids (CoRIM id, tag id, class id, measurement keys) blanked,
   * re-encoded.
   */
  private static byte[] withoutRandomIds(byte[] encoded) {
    CBORObject corim = CBORObject.DecodeFromBytes(encoded);
    assertThat(corim.get(0).AsString()).matches("[a-z]+-corim-[0-9a-f-]{36}");
    corim.Set(0, "corim-id");
    CBORObject comid = comid(corim);
    assertThat(comid.get(1).get(0).AsString()).matches("[a-z]+-tag-[0-9a-f-]{36}");
    comid.get(1).Set(0, "tag-id");
    CBORObject triple = comid.get(4).get(0).get(0);
    triple.get(0).get(0).Set(0, "class-id");
    for (int i = 0; i < triple.get(1).size(); i++) {
      assertThat(triple.get(1).get(i).get(0).UntagOne().GetByteString()).hasSize(16);
      triple.get(1).get(i).Set(0, "measurement-key");
    }
    corim
        .get(1)
        .Set(0, CBORObject.FromObjectAndTag(CBORObject.FromObject(comid.EncodeToBytes()), 506));
    return corim.EncodeToBytes();
  }

  @Test
  void snpWithoutHostDataHasNoRawValue() {
    CBORObject corim =
        CBORObject.DecodeFromBytes(
            new CorimEncoder()
                .encode(
                    new ReferenceValues.Snp(
                        DIGEST, Optional.empty(), BigInteger.ZERO, Optional.of("EPYC"))));
    CBORObject values = onlyMeasurements(corim).get(0).get(1);
    assertThat(keys(values)).containsExactly(1, 2);
    assertThat(values.get(1).getMostOuterTag().ToInt32Checked()).isEqualTo(553);
    assertThat(values.get(1).UntagOne().AsInt32()).isZero();
  }

  @Test
  void randomIdsHaveUpstreamsFormsAndTheInstanceIdIsTheCpuModelsUuidV5() {
    CBORObject corim =
        CBORObject.DecodeFromBytes(
            new CorimEncoder()
                .encode(
                    new ReferenceValues.Snp(DIGEST, Optional.empty(), TCB, Optional.of("Milan"))));
    assertThat(corim.get(0).AsString()).matches("snp-corim-[0-9a-f-]{36}");
    CBORObject comid = comid(corim);
    assertThat(comid.get(1).get(0).AsString()).matches("snp-tag-[0-9a-f-]{36}");
    CBORObject environment = comid.get(4).get(0).get(0).get(0);
    assertThat(environment.get(0).get(0).getMostOuterTag().ToInt32Checked()).isEqualTo(37);
    assertThat(environment.get(0).get(0).UntagOne().GetByteString()).hasSize(16);
    assertThat(HEX.formatHex(environment.get(1).UntagOne().GetByteString()))
        .isEqualTo(MILAN_INSTANCE.toString().replace("-", ""));
    CBORObject measurement = onlyMeasurements(corim).get(0);
    assertThat(measurement.get(0).getMostOuterTag().ToInt32Checked()).isEqualTo(37);
    assertThat(measurement.get(1).get(2).get(0).get(0).AsInt32()).isEqualTo(7);
    assertThat(measurement.get(1).get(2).get(0).get(1).GetByteString()).isEqualTo(DIGEST);
  }

  @Test
  void tdxCarriesMrtdMrseamAndTheRtmrsUpstreamsDefaultsWhenNotGiven() {
    byte[] ours =
        new CorimEncoder(new FixedIds())
            .encode(
                ReferenceValues.Tdx.withDefaults(
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    OptionalLong.of(3),
                    Optional.of("host")));
    // draw order: tag id, class id, then one key per measurement (MRTD, MRSEAM, RTMR0-3), corim id
    List<byte[]> registers = new ArrayList<>();
    registers.add(HEX.parseHex(ReferenceValues.Tdx.DEFAULT_MRTD));
    registers.add(HEX.parseHex(ReferenceValues.Tdx.DEFAULT_MRSEAM));
    ReferenceValues.Tdx.DEFAULT_RTMRS.forEach(r -> registers.add(HEX.parseHex(r)));
    CBORObject measurements = CBORObject.NewArray();
    for (int i = 0; i < registers.size(); i++) {
      CBORObject values = CBORObject.NewOrderedMap();
      if (i == 0) {
        values.Add(1, CBORObject.FromObjectAndTag(CBORObject.FromObject(3), 552));
      }
      values.Add(2, sha384(registers.get(i)));
      measurements.Add(CBORObject.NewOrderedMap().Add(0, uuid(fixed(3 + i))).Add(1, values));
    }
    assertThat(HEX.formatHex(ours))
        .isEqualTo(
            HEX.formatHex(
                expected("tdx", fixed(1), fixed(9), fixed(2), HOST_INSTANCE, measurements)));
    assertThat(ReferenceValues.Tdx.DEFAULT_MRTD).startsWith("91eb2b44");
  }

  @Test
  void givenTdxRegistersReplaceTheDefaults() {
    byte[] mrtd = bytes(48, 1);
    List<byte[]> rtmrs = List.of(bytes(48, 2), bytes(48, 3));
    CBORObject corim =
        CBORObject.DecodeFromBytes(
            new CorimEncoder()
                .encode(
                    ReferenceValues.Tdx.withDefaults(
                        Optional.of(mrtd),
                        Optional.empty(),
                        Optional.of(rtmrs),
                        OptionalLong.empty(),
                        Optional.empty())));
    CBORObject measurements = onlyMeasurements(corim);
    assertThat(measurements.size()).isEqualTo(4);
    assertThat(measurements.get(0).get(1).get(2).get(0).get(1).GetByteString()).isEqualTo(mrtd);
    assertThat(keys(measurements.get(0).get(1))).containsExactly(2);
    assertThat(measurements.get(1).get(1).get(2).get(0).get(1).GetByteString())
        .isEqualTo(HEX.parseHex(ReferenceValues.Tdx.DEFAULT_MRSEAM));
    assertThat(measurements.get(3).get(1).get(2).get(0).get(1).GetByteString())
        .isEqualTo(rtmrs.get(1));
    assertThat(keys(comid(corim).get(4).get(0).get(0).get(0)))
        .containsExactly(0); // no product, no instance
  }

  static CBORObject comid(CBORObject corim) {
    CBORObject tag = corim.get(1).get(0);
    assertThat(tag.getMostOuterTag().ToInt32Checked()).isEqualTo(506);
    return CBORObject.DecodeFromBytes(tag.UntagOne().GetByteString());
  }

  static CBORObject onlyMeasurements(CBORObject corim) {
    CBORObject triples = comid(corim).get(4).get(0);
    assertThat(triples.size()).isEqualTo(1);
    return triples.get(0).get(1);
  }

  static List<Integer> keys(CBORObject map) {
    List<Integer> keys = new ArrayList<>();
    for (Iterator<CBORObject> i = map.getKeys().iterator(); i.hasNext(); ) {
      keys.add(i.next().AsInt32());
    }
    keys.sort(null);
    return keys;
  }
}
