package io.cocos.manager.attestation.corim;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The CBOR subset CoRIM and COSE_Sign1 use (RFC 8949 major types 0-6), encoded deterministically
 * (§4.2.1: definite lengths, shortest heads, map keys in {@link Cbor.CborMap}'s order) and decoded
 * strictly: definite lengths only, well-formed heads, valid UTF-8, no trailing bytes.
 *
 * <p>Own code rather than Jackson's CBOR module: Jackson 2.20's generator writes an integer above
 * 2^63 - 1 only as a bignum (tag 2), which CoRIM's uint (an SVN, a 64-bit launch TCB) does not
 * allow, and writing the head raw breaks its definite-length bookkeeping; its parser exposes only
 * the first of nested tags and reports integer map keys as text.
 */
public final class CborCodec {
  /** Nesting a document may have: a CoRIM nests about ten deep; anything far deeper is not one. */
  private static final int MAX_DEPTH = 64;

  private CborCodec() {}

  public static byte[] encode(Cbor value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    write(out, value);
    return out.toByteArray();
  }

  private static void write(ByteArrayOutputStream out, Cbor value) {
    if (value instanceof Cbor.Int i) {
      if (i.value().signum() >= 0) {
        head(out, 0, i.value());
      } else {
        head(out, 1, BigInteger.ONE.negate().subtract(i.value()));
      }
    } else if (value instanceof Cbor.Bytes b) {
      byte[] bytes = b.value();
      head(out, 2, bytes.length);
      out.writeBytes(bytes);
    } else if (value instanceof Cbor.Text t) {
      byte[] utf8 = t.value().getBytes(StandardCharsets.UTF_8);
      head(out, 3, utf8.length);
      out.writeBytes(utf8);
    } else if (value instanceof Cbor.Array a) {
      head(out, 4, a.items().size());
      a.items().forEach(item -> write(out, item));
    } else if (value instanceof Cbor.CborMap m) {
      head(out, 5, m.entries().size());
      for (Cbor.Entry e : m.entries()) {
        write(out, e.key());
        write(out, e.value());
      }
    } else if (value instanceof Cbor.Tagged t) {
      head(out, 6, t.tag());
      write(out, t.content());
    } else {
      throw new IllegalArgumentException("not a CBOR item: " + value);
    }
  }

  private static void head(ByteArrayOutputStream out, int majorType, long argument) {
    head(out, majorType, BigInteger.valueOf(argument));
  }

  /** The shortest head for an argument in [0, 2^64 - 1]. */
  private static void head(ByteArrayOutputStream out, int majorType, BigInteger argument) {
    int type = majorType << 5;
    if (argument.compareTo(BigInteger.valueOf(24)) < 0) {
      out.write(type | argument.intValue());
      return;
    }
    int size =
        argument.bitLength() <= 8
            ? 1
            : argument.bitLength() <= 16 ? 2 : argument.bitLength() <= 32 ? 4 : 8;
    out.write(type | (24 + Integer.numberOfTrailingZeros(size)));
    for (int i = size - 1; i >= 0; i--) {
      out.write(argument.shiftRight(8 * i).intValue() & 0xff);
    }
  }

  /** Decodes exactly one data item; anything after it is an error. */
  public static Cbor decode(byte[] data) throws CborException {
    Reader reader = new Reader(data);
    Cbor value = reader.item(0);
    if (reader.position != data.length) {
      throw new CborException(
          (data.length - reader.position)
              + " bytes follow the CBOR data item (at offset "
              + reader.position
              + ")");
    }
    return value;
  }

  private static final class Reader {
    private final byte[] data;
    private int position;

    Reader(byte[] data) {
      this.data = data;
    }

    Cbor item(int depth) throws CborException {
      if (depth > MAX_DEPTH) {
        throw new CborException("CBOR nested deeper than " + MAX_DEPTH + " levels");
      }
      int start = position;
      int initial = next();
      int majorType = initial >>> 5;
      BigInteger argument = argument(initial & 0x1f, start);
      switch (majorType) {
        case 0:
          return new Cbor.Int(argument);
        case 1:
          return new Cbor.Int(BigInteger.ONE.negate().subtract(argument));
        case 2:
          return new Cbor.Bytes(take(length(argument, start)));
        case 3:
          {
            byte[] utf8 = take(length(argument, start));
            try {
              return new Cbor.Text(
                  StandardCharsets.UTF_8
                      .newDecoder()
                      .onMalformedInput(CodingErrorAction.REPORT)
                      .onUnmappableCharacter(CodingErrorAction.REPORT)
                      .decode(ByteBuffer.wrap(utf8))
                      .toString());
            } catch (CharacterCodingException e) {
              throw new CborException("the text string at offset " + start + " is not valid UTF-8");
            }
          }
        case 4:
          {
            int n = length(argument, start);
            List<Cbor> items = new ArrayList<>(Math.min(n, 1024));
            for (int i = 0; i < n; i++) {
              items.add(item(depth + 1));
            }
            return new Cbor.Array(items);
          }
        case 5:
          {
            int n = length(argument, start);
            List<Cbor.Entry> entries = new ArrayList<>(Math.min(n, 1024));
            for (int i = 0; i < n; i++) {
              Cbor key = item(depth + 1);
              entries.add(new Cbor.Entry(key, item(depth + 1)));
            }
            try {
              return new Cbor.CborMap(entries);
            } catch (IllegalArgumentException e) {
              throw new CborException("the map at offset " + start + ": " + e.getMessage());
            }
          }
        case 6:
          if (argument.bitLength() > 63) {
            throw new CborException(
                "tag number " + argument + " at offset " + start + " is out of range");
          }
          return new Cbor.Tagged(argument.longValueExact(), item(depth + 1));
        default:
          throw new CborException(
              "unsupported CBOR item (major type 7: simple value or float) at offset " + start);
      }
    }

    private BigInteger argument(int info, int start) throws CborException {
      if (info < 24) {
        return BigInteger.valueOf(info);
      }
      if (info > 27) {
        throw new CborException(
            info == 31
                ? "indefinite-length item at offset "
                    + start
                    + " (only definite lengths are accepted)"
                : "malformed CBOR head at offset " + start);
      }
      int size = 1 << (info - 24);
      byte[] bytes = take(size);
      return new BigInteger(1, bytes);
    }

    private int length(BigInteger argument, int start) throws CborException {
      if (argument.compareTo(BigInteger.valueOf(data.length - position)) > 0) {
        throw new CborException(
            "the item at offset "
                + start
                + " claims "
                + argument
                + " bytes or elements, more than the "
                + (data.length - position)
                + " bytes left");
      }
      return argument.intValueExact();
    }

    private int next() throws CborException {
      if (position >= data.length) {
        throw new CborException(
            data.length == 0
                ? "no CBOR data item: the input is empty"
                : "the CBOR data ends early (at offset " + position + ")");
      }
      return data[position++] & 0xff;
    }

    private byte[] take(int n) throws CborException {
      if (n > data.length - position) {
        throw new CborException(
            "the CBOR data ends early (at offset " + data.length + ", " + n + " bytes wanted)");
      }
      byte[] bytes = Arrays.copyOfRange(data, position, position + n);
      position += n;
      return bytes;
    }
  }
}
