package io.cocos.manager.attestation.corim;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A CBOR data item, as much of CBOR as CoRIM and COSE use: integers, byte and text strings, arrays,
 * maps and tags. Values are immutable; a map keeps its entries in the order RFC 8949 §4.2.1 (core
 * deterministic encoding) prescribes, by the bytes of their encoded keys, so one value has one
 * encoding.
 */
public sealed interface Cbor {
  BigInteger MIN_INT = BigInteger.ONE.shiftLeft(64).negate();
  BigInteger MAX_UINT = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  /** An integer, major type 0 or 1: from -2^64 to 2^64 - 1. */
  record Int(BigInteger value) implements Cbor {
    public Int {
      if (value.compareTo(MIN_INT) < 0 || value.compareTo(MAX_UINT) > 0) {
        throw new IllegalArgumentException(
            "a CBOR integer lies in [-2^64, 2^64 - 1], not " + value);
      }
    }

    @Override
    public String toString() {
      return value.toString();
    }
  }

  record Bytes(byte[] value) implements Cbor {
    public Bytes {
      value = value.clone();
    }

    @Override
    public byte[] value() {
      return value.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Bytes b && Arrays.equals(value, b.value);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(value);
    }

    @Override
    public String toString() {
      return "h'" + HexFormat.of().formatHex(value) + "'";
    }
  }

  record Text(String value) implements Cbor {
    public Text {
      Objects.requireNonNull(value);
    }

    @Override
    public String toString() {
      return '"' + value + '"';
    }
  }

  record Array(List<Cbor> items) implements Cbor {
    public Array {
      items = List.copyOf(items);
    }
  }

  record Entry(Cbor key, Cbor value) {
    public Entry {
      Objects.requireNonNull(key);
      Objects.requireNonNull(value);
    }
  }

  /** A map; its entries in deterministic order, no key twice. */
  record CborMap(List<Entry> entries) implements Cbor {
    public CborMap {
      List<Entry> sorted = new ArrayList<>(entries);
      sorted.sort(Comparator.comparing(e -> CborCodec.encode(e.key()), Arrays::compareUnsigned));
      for (int i = 1; i < sorted.size(); i++) {
        if (sorted.get(i - 1).key().equals(sorted.get(i).key())) {
          throw new IllegalArgumentException(
              "a CBOR map holds key " + sorted.get(i).key() + " twice");
        }
      }
      entries = List.copyOf(sorted);
    }

    public Optional<Cbor> get(Cbor key) {
      return entries.stream().filter(e -> e.key().equals(key)).map(Entry::value).findFirst();
    }

    public Optional<Cbor> get(long key) {
      return get(integer(key));
    }
  }

  /** A tagged item (major type 6). */
  record Tagged(long tag, Cbor content) implements Cbor {
    public Tagged {
      if (tag < 0) {
        throw new IllegalArgumentException("tag numbers above 2^63 - 1 are not supported: " + tag);
      }
      Objects.requireNonNull(content);
    }
  }

  static Int integer(long value) {
    return new Int(BigInteger.valueOf(value));
  }

  static Int unsigned(BigInteger value) {
    if (value.signum() < 0) {
      throw new IllegalArgumentException("not unsigned: " + value);
    }
    return new Int(value);
  }

  static Bytes bytes(byte[] value) {
    return new Bytes(value);
  }

  static Text text(String value) {
    return new Text(value);
  }

  static Array array(Cbor... items) {
    return new Array(List.of(items));
  }

  static Array array(List<? extends Cbor> items) {
    return new Array(List.copyOf(items));
  }

  static Entry entry(long key, Cbor value) {
    return new Entry(integer(key), value);
  }

  static CborMap map(Entry... entries) {
    return new CborMap(List.of(entries));
  }

  static CborMap map(List<Entry> entries) {
    return new CborMap(entries);
  }

  static Tagged tagged(long tag, Cbor content) {
    return new Tagged(tag, content);
  }
}
