package io.cocos.manager.attestation.measure.igvm;

import static io.cocos.manager.attestation.measure.OwnExceptions.expectOnlyOwn;
import static org.assertj.core.api.Assertions.assertThat;

import io.cocos.manager.attestation.measure.Fixtures;
import io.cocos.manager.attestation.measure.MeasurementException;
import io.cocos.manager.attestation.measure.util.Le;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deterministic fuzzing of the IGVM parser and measurement. Mutants get their checksum recomputed
 * so that the mutation reaches the variable-header parsing. Only the library's own exceptions (or
 * success) are allowed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IgvmFuzzTest {
  private static final IgvmMeasureOptions[] OPTIONS = {
    IgvmMeasureOptions.DEFAULT,
    new IgvmMeasureOptions(true, true, false),
    new IgvmMeasureOptions(false, true, true),
  };

  @TempDir Path tmp;
  private int inputs;
  private int rejected;
  private int parsed;
  private int measured;

  /**
   * Parses {@code file} and measures it if it parses: each step succeeds or throws the library's
   * own exception with a one-line message (the parse an {@link IgvmFormatException}); counted.
   */
  private void exercise(String what, byte[] file, int variant) {
    inputs++;
    IgvmFile[] f = new IgvmFile[1];
    MeasurementException e = expectOnlyOwn(what, () -> f[0] = IgvmFile.parse(file));
    if (e != null) {
      assertThat(e).as(what).isInstanceOf(IgvmFormatException.class);
      rejected++;
      return;
    }
    parsed++;
    if (expectOnlyOwn(
            what + " measured",
            () -> IgvmMeasurer.measure(f[0], OPTIONS[Math.floorMod(variant, OPTIONS.length)]))
        == null) {
      measured++;
    }
  }

  /**
   * What a fuzz test proves beyond each input's check in {@link #exercise}: every input was parsed
   * or rejected, and its mutants reach both outcomes (some are rejected, some get through the
   * parser and are measured), so neither the checks nor the measurement went unexercised.
   */
  private void assertOutcomes() {
    assertThat(rejected + parsed).as("inputs parsed or rejected").isEqualTo(inputs);
    assertThat(rejected).as("inputs rejected with an IgvmFormatException").isPositive();
    assertThat(measured).as("inputs parsed and measured").isPositive();
  }

  /** Offsets of the variable headers of a file. */
  private static List<Integer> headerOffsets(byte[] file) {
    List<Integer> offs = new ArrayList<>();
    int pos = (int) Le.u32(file, 8);
    int end = pos + (int) Le.u32(file, 12);
    while (pos < end) {
      offs.add(pos);
      pos += 8 + (((int) Le.u32(file, pos + 4) + 7) & ~7);
    }
    return offs;
  }

  @Test
  void randomBytes() {
    Random rnd = new Random(42);
    for (int i = 0; i < 3000; i++) {
      byte[] f = new byte[rnd.nextInt(2048)];
      rnd.nextBytes(f);
      if (i % 3 != 0 && f.length >= 24) {
        // a plausible fixed header, so that the variable headers get parsed
        Le.put32(f, 0, IgvmFile.MAGIC);
        Le.put32(f, 4, 1);
        Le.put32(f, 8, 24);
        Le.put32(f, 12, rnd.nextInt(f.length - 23));
        Le.put32(f, 16, f.length);
        if (i % 3 == 1 && f.length >= 48) {
          // and a valid SNP platform header first
          Le.put32(f, 24, IgvmTypes.VHT_SUPPORTED_PLATFORM);
          Le.put32(f, 28, 16);
          Le.put32(f, 32, 1);
          f[36] = 0;
          f[37] = 2;
          Le.put16(f, 38, 1);
        }
        IgvmBuilder.fixChecksum(f);
      }
      exercise("random #" + i, f, i);
    }
    assertOutcomes();
  }

  @Test
  void truncationsAtEveryOffsetOfTheHeaders() {
    byte[] file = Fixtures.bytes("igvm/t_x86_opt.igvm");
    int vho = (int) Le.u32(file, 8);
    int vhs = (int) Le.u32(file, 12);
    // plain truncation of the file
    for (int len = 0; len <= vho + vhs + 64; len++) {
      byte[] t = Arrays.copyOf(file, len);
      MeasurementException e = expectOnlyOwn("truncated to " + len, () -> IgvmFile.parse(t));
      assertThat(e).isInstanceOf(IgvmFormatException.class);
    }
    // the variable header section cut short at every offset, header fields made consistent
    byte[] m = file.clone();
    for (int k = 0; k <= vhs; k++) {
      Le.put32(m, 12, k);
      IgvmBuilder.fixChecksum(m);
      exercise("headers cut at " + k, m, k);
    }
    assertThat(parsed).isGreaterThan(300); // every cut at a header boundary parses
    // other fixtures: sampled cuts
    for (String name : new String[] {"igvm/test_bzImage_x64.igvm", "igvm/t_x86_noopt.igvm"}) {
      byte[] g = Fixtures.bytes(name);
      int gvhs = (int) Le.u32(g, 12);
      Random rnd = new Random(name.hashCode());
      for (int i = 0; i < 200; i++) {
        int k = rnd.nextInt(gvhs + 1);
        Le.put32(g, 12, k);
        IgvmBuilder.fixChecksum(g);
        exercise(name + " headers cut at " + k, g, i);
      }
    }
    assertOutcomes();
  }

  @Test
  void mutatedLengthsAndTypes() {
    byte[] file = Fixtures.bytes("igvm/t_x86_opt.igvm");
    List<Integer> headers = headerOffsets(file);
    assertThat(headers).hasSizeGreaterThan(300);
    long[] lengths = {
      0,
      1,
      4,
      7,
      8,
      15,
      16,
      20,
      23,
      24,
      25,
      32,
      695,
      696,
      697,
      0x7FFF_FFFFL,
      0xFFFF_FFFFL,
      0x8000_0000L
    };
    int[] types = {
      0,
      1,
      0x100,
      0x101,
      0x200,
      0x250,
      0x301,
      0x302,
      0x303,
      0x304,
      0x305,
      0x306,
      0x307,
      0x30B,
      0x311,
      0x313,
      0x314,
      0x400,
      0x401,
      0x8000_0302,
      0x8000_0250,
      0xFFFF_FFFF
    };
    byte[] m = file.clone();
    int n = 0;
    Random rnd = new Random(7);
    for (int h : headers) {
      // all values for the first headers of each kind, a sample for the rest
      boolean full = h < 24 + 200 || rnd.nextInt(8) == 0;
      long origType = Le.u32(m, h);
      long origLen = Le.u32(m, h + 4);
      for (long len : lengths) {
        if (!full && rnd.nextInt(4) != 0) {
          continue;
        }
        Le.put32(m, h + 4, len);
        IgvmBuilder.fixChecksum(m);
        exercise("header@" + h + " length=" + len, m, n++);
      }
      Le.put32(m, h + 4, origLen);
      for (int t : types) {
        if (!full && rnd.nextInt(4) != 0) {
          continue;
        }
        Le.put32(m, h, t);
        IgvmBuilder.fixChecksum(m);
        exercise("header@" + h + " type=" + Integer.toHexString(t), m, n++);
      }
      Le.put32(m, h, origType);
    }
    IgvmBuilder.fixChecksum(m);
    assertThat(m).isEqualTo(file);
    assertOutcomes();
  }

  @Test
  void mutatedBodies() {
    byte[] file = Fixtures.bytes("igvm/t_x86_opt.igvm");
    List<Integer> headers = headerOffsets(file);
    Random rnd = new Random(1234);
    long size = file.length;
    long[] interesting = {
      0,
      1,
      2,
      3,
      0x1000,
      0x1001,
      0x200000,
      0x7FFF_FFFFL,
      0x8000_0000L,
      0xFFFF_FFFFL,
      0xFFFF_F000L,
      size,
      size - 1,
      size - 4096,
      size - 4095,
      24,
      0x30B
    };
    byte[] m = file.clone();
    for (int i = 0; i < 3000; i++) {
      int h = headers.get(rnd.nextInt(headers.size()));
      int len = (int) Le.u32(m, h + 4);
      if (len < 4) {
        continue;
      }
      int at = h + 8 + 4 * rnd.nextInt(len / 4);
      long orig = Le.u32(m, at);
      long v =
          rnd.nextBoolean()
              ? interesting[rnd.nextInt(interesting.length)]
              : rnd.nextBoolean() ? orig ^ (1L << rnd.nextInt(32)) : rnd.nextInt() & 0xFFFF_FFFFL;
      Le.put32(m, at, v);
      IgvmBuilder.fixChecksum(m);
      exercise("body@" + at + "=" + Long.toHexString(v), m, i);
      Le.put32(m, at, orig);
    }
    assertOutcomes();
  }

  @Test
  void fixedHeaderBitFlips() {
    byte[] file = Fixtures.bytes("igvm/test_bzImage_x64.igvm");
    for (int bit = 0; bit < 24 * 8; bit++) {
      byte[] m = file.clone();
      m[bit / 8] ^= (byte) (1 << (bit % 8));
      if (bit / 8 < 20) {
        IgvmBuilder.fixChecksum(m);
      }
      exercise("fixed header bit " + bit, m, bit);
    }
    assertOutcomes();
  }

  @Test
  void lyingSizesDoNotAllocate() throws Exception {
    // a parameter area of 2^63 bytes "in the file", and a 2 MiB page of data at the last byte
    byte[] f = new IgvmBuilder().snpPlatform().parameterArea(0x1000, 0).build();
    int area = 24 + 24; // second header
    Le.put64(f, area + 8, 0x8000_0000_0000_0000L);
    Le.put32(f, area + 8 + 12, f.length - 1);
    IgvmBuilder.fixChecksum(f);
    assertThat(expectOnlyOwn("huge area", () -> IgvmFile.parse(f)))
        .hasMessageContaining("outside the file data");

    Path big = tmp.resolve("big.igvm");
    try (RandomAccessFile r = new RandomAccessFile(big.toFile(), "rw")) {
      r.setLength(IgvmFile.MAX_FILE_SIZE + 1); // sparse
    }
    assertThat(expectOnlyOwn("big file", () -> IgvmFile.read(big)))
        .hasMessageContaining("is too large");
  }
}
