package io.cocos.manager.attestation.corim;

import static io.cocos.manager.attestation.corim.Cbor.array;
import static io.cocos.manager.attestation.corim.Cbor.bytes;
import static io.cocos.manager.attestation.corim.Cbor.entry;
import static io.cocos.manager.attestation.corim.Cbor.integer;
import static io.cocos.manager.attestation.corim.Cbor.map;
import static io.cocos.manager.attestation.corim.Cbor.tagged;
import static io.cocos.manager.attestation.corim.Cbor.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.upokecenter.cbor.CBORObject;
import com.upokecenter.numbers.EInteger;
import java.math.BigInteger;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Our CBOR against RFC 8949's examples and an independent decoder (com.upokecenter:cbor). */
class CborCodecTest {
  private static final HexFormat HEX = HexFormat.of();

  private static String hex(Cbor value) {
    return HEX.formatHex(CborCodec.encode(value));
  }

  @Test
  void integersTakeTheirShortestHeadAsRfc8949AppendixAShows() {
    assertThat(hex(integer(0))).isEqualTo("00");
    assertThat(hex(integer(23))).isEqualTo("17");
    assertThat(hex(integer(24))).isEqualTo("1818");
    assertThat(hex(integer(1000))).isEqualTo("1903e8");
    assertThat(hex(integer(1000000))).isEqualTo("1a000f4240");
    assertThat(hex(integer(1000000000000L))).isEqualTo("1b000000e8d4a51000");
    assertThat(hex(Cbor.unsigned(new BigInteger("18446744073709551615"))))
        .isEqualTo("1bffffffffffffffff");
    assertThat(hex(new Cbor.Int(new BigInteger("-18446744073709551616"))))
        .isEqualTo("3bffffffffffffffff");
    assertThat(hex(integer(-1))).isEqualTo("20");
    assertThat(hex(integer(-7))).isEqualTo("26");
    assertThat(hex(integer(-35))).isEqualTo("3822");
    assertThat(hex(integer(-1000))).isEqualTo("3903e7");
    assertThatThrownBy(() -> Cbor.unsigned(BigInteger.ONE.shiftLeft(64)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void stringsArraysMapsAndTagsAsRfc8949AppendixAShows() {
    assertThat(hex(bytes(HEX.parseHex("01020304")))).isEqualTo("4401020304");
    assertThat(hex(text("IETF"))).isEqualTo("6449455446");
    assertThat(hex(text("\u00fc"))).isEqualTo("62c3bc");
    assertThat(hex(array(integer(1), array(integer(2), integer(3))))).isEqualTo("8201820203");
    assertThat(hex(map(entry(1, integer(2)), entry(3, integer(4))))).isEqualTo("a201020304");
    assertThat(hex(tagged(1, integer(1363896240)))).isEqualTo("c11a514b67b0");
    assertThat(hex(tagged(553, integer(1)))).isEqualTo("d9022901");
  }

  @Test
  void mapKeysComeInDeterministicOrderWhateverOrderTheyWereGivenIn() {
    Cbor m =
        map(entry(10, text("a")), entry(-1, text("b")), entry(4, text("c")), entry(100, text("d")));
    // bytewise order of the encoded keys: 04, 0a, 1864, 20
    assertThat(hex(m)).isEqualTo("a4" + "0461" + "63" + "0a6161" + "18646164" + "206162");
    assertThatThrownBy(() -> map(entry(1, integer(1)), entry(1, integer(2))))
        .hasMessageContaining("holds key")
        .hasMessageContaining("twice");
  }

  @Test
  void anIndependentDecoderReadsWhatWeWriteAndWeReadWhatItWrites() throws Exception {
    Cbor ours =
        map(
            entry(0, text("snp-corim-x")),
            entry(1, array(tagged(506, bytes(new byte[] {1, 2, 3})))),
            entry(2, tagged(553, Cbor.unsigned(new BigInteger("15352208179752599555")))),
            entry(-35, tagged(37, bytes(new byte[16]))));
    CBORObject theirs = CBORObject.DecodeFromBytes(CborCodec.encode(ours));
    assertThat(theirs.get(0).AsString()).isEqualTo("snp-corim-x");
    assertThat(theirs.get(1).get(0).getMostOuterTag().ToInt32Checked()).isEqualTo(506);
    assertThat(theirs.get(1).get(0).UntagOne().GetByteString()).containsExactly(1, 2, 3);
    assertThat(theirs.get(2).getMostOuterTag().ToInt32Checked()).isEqualTo(553);
    assertThat(theirs.get(2).UntagOne().AsEIntegerValue())
        .isEqualTo(EInteger.FromString("15352208179752599555"));
    assertThat(theirs.get(-35).getMostOuterTag().ToInt32Checked()).isEqualTo(37);

    CBORObject built =
        CBORObject.NewMap()
            .Add(1, CBORObject.FromObjectAndTag(CBORObject.FromObject(new byte[] {9}), 560))
            .Add(0, CBORObject.NewArray().Add(-7).Add("Signature1"));
    Cbor decoded = CborCodec.decode(built.EncodeToBytes());
    assertThat(decoded)
        .isEqualTo(
            map(
                entry(0, array(integer(-7), text("Signature1"))),
                entry(1, tagged(560, bytes(new byte[] {9})))));
    // the independent encoder, told the deterministic key order, writes the same bytes
    CBORObject ordered =
        CBORObject.NewOrderedMap()
            .Add(0, CBORObject.NewArray().Add(-7).Add("Signature1"))
            .Add(1, CBORObject.FromObjectAndTag(CBORObject.FromObject(new byte[] {9}), 560));
    assertThat(CborCodec.encode(decoded)).isEqualTo(ordered.EncodeToBytes());
  }

  @Test
  void decodingRefusesWhatIsNotOneWellFormedDefiniteLengthItem() {
    record Bad(String hex, String message) {}
    for (Bad bad :
        List.of(
            new Bad("", "the input is empty"),
            new Bad("0001", "1 bytes follow the CBOR data item (at offset 1)"),
            new Bad("9f01ff", "indefinite-length item at offset 0"),
            new Bad(
                "5a7fffffff00", "claims 2147483647 bytes or elements, more than the 1 bytes left"),
            new Bad("1c", "malformed CBOR head at offset 0"),
            new Bad(
                "8301",
                "the item at offset 0 claims 3 bytes or elements, more than the 1 bytes left"),
            new Bad("1901", "the CBOR data ends early (at offset 2, 2 bytes wanted)"),
            new Bad("62c328", "not valid UTF-8"),
            new Bad("f5", "major type 7"),
            new Bad("a201010101", "holds key 1 twice"),
            new Bad("81".repeat(100) + "00", "nested deeper than 64"))) {
      byte[] input = HEX.parseHex(bad.hex());
      assertThatThrownBy(() -> CborCodec.decode(input))
          .as(bad.hex())
          .isInstanceOf(CborException.class)
          .hasMessageContaining(bad.message());
    }
  }
}
