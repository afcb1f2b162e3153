package io.cocos.manager.attestation.measure.ovmf;

import static io.cocos.manager.attestation.measure.OwnExceptions.expectOnlyOwn;
import static org.assertj.core.api.Assertions.assertThat;

import io.cocos.manager.attestation.measure.FirmwareFormatException;
import io.cocos.manager.attestation.measure.Fixtures;
import io.cocos.manager.attestation.measure.LaunchDigestCalculator;
import io.cocos.manager.attestation.measure.MeasurementException;
import io.cocos.manager.attestation.measure.SnpMeasurementRequest;
import io.cocos.manager.attestation.measure.VmmType;
import io.cocos.manager.attestation.measure.util.Le;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deterministic fuzzing of the firmware parsers and of SNP/SEV measurement on hostile images: only
 * {@link MeasurementException}s (or success) are allowed, and everything must finish quickly.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FirmwareFuzzTest {
  /**
   * Measure mutants only while their metadata stays small (huge valid sections are slow, not hung).
   */
  private static final long MEASURE_LIMIT = 4L << 20;

  @TempDir Path tmp;
  private Path work;
  private Path kernel;
  private int rejected;
  private int measured;

  @BeforeEach
  void files() throws IOException {
    work = tmp.resolve("fw.fd");
    kernel = Files.createFile(tmp.resolve("kernel"));
  }

  /** Parses, and measures in every mode if the metadata is small enough. */
  private void exercise(String what, byte[] image) {
    // (measuring goes through a file, as the API takes paths)
    MeasurementException e =
        expectOnlyOwn(what, () -> OvmfImage.parse("fuzz", image, OvmfImage.FOUR_GIB));
    if (e != null) {
      assertThat(e).isInstanceOf(FirmwareFormatException.class);
      rejected++;
      return;
    }
    long total = 0;
    try {
      for (MetadataSection s : OvmfImage.parse("fuzz", image, OvmfImage.FOUR_GIB).metadata()) {
        total += s.size();
      }
      Files.write(work, image);
    } catch (IOException | FirmwareFormatException x) {
      throw new AssertionError(x);
    }
    if (total > MEASURE_LIMIT) {
      return;
    }
    measured++;
    // the main case every time, plus one of the other mode/VMM/kernel combinations in rotation
    run(what, 0);
    run(what, 1 + Math.floorMod(what.hashCode(), COMBOS - 1));
  }

  private static final String[] MODES = {"snp", "seves", "sev"};
  private static final int COMBOS = MODES.length * VmmType.values().length * 2;

  private void run(String what, int combo) {
    String mode = MODES[combo % MODES.length];
    VmmType vmm = VmmType.values()[(combo / MODES.length) % VmmType.values().length];
    boolean withKernel = combo / (MODES.length * VmmType.values().length) == 1;
    expectOnlyOwn(
        what + " " + mode + " " + vmm + " kernel=" + withKernel,
        () -> {
          SnpMeasurementRequest.Builder b =
              SnpMeasurementRequest.builder()
                  .mode(mode)
                  .ovmf(work)
                  .vcpus(2)
                  .vcpuType("EPYC-v4")
                  .vmmType(vmm);
          if (withKernel) {
            b.kernel(kernel).append("console=ttyS0");
          }
          LaunchDigestCalculator.calculate(b.build());
        });
  }

  /** Parses {@code image} only: it parses or is rejected with a FirmwareFormatException. */
  private void parseOnly(String what, byte[] image) {
    MeasurementException e =
        expectOnlyOwn(what, () -> OvmfImage.parse("f", image, OvmfImage.FOUR_GIB));
    if (e != null) {
      assertThat(e).as(what).isInstanceOf(FirmwareFormatException.class);
      rejected++;
    }
  }

  /**
   * What a fuzz test proves beyond each input's check: the images reach both outcomes (some are
   * rejected with a FirmwareFormatException, some parse and are measured in every mode), so neither
   * the checks nor the measurement went unexercised.
   */
  private void assertOutcomes() {
    assertThat(rejected).as("images rejected with a FirmwareFormatException").isPositive();
    assertThat(measured).as("images parsed and measured").isPositive();
  }

  @Test
  void randomBytes() {
    Random rnd = new Random(0x5EED);
    for (int i = 0; i < 400; i++) {
      byte[] img = new byte[rnd.nextInt(3) == 0 ? rnd.nextInt(100) : 4096 * (1 + rnd.nextInt(2))];
      rnd.nextBytes(img);
      if (i % 2 == 0 && img.length >= 50) {
        // put a footer GUID in place so that the table walk is reached
        FooterTable.FOOTER_GUID.writeTo(img, img.length - 48);
        if (i % 4 == 0) {
          Le.put16(img, img.length - 50, 18 + rnd.nextInt(300));
        }
      }
      exercise("random #" + i, img);
    }
    assertOutcomes();
  }

  @Test
  void truncationsAtEveryOffset() {
    for (String fixture : new String[] {"ovmf_AmdSev_suffix.bin", "ovmf_OvmfX64_suffix.bin"}) {
      byte[] img = Fixtures.bytes(fixture);
      for (int len = 0; len <= img.length; len++) {
        byte[] head = Arrays.copyOf(img, len);
        byte[] tail = Arrays.copyOfRange(img, img.length - len, img.length);
        parseOnly(fixture + " head " + len, head);
        parseOnly(fixture + " tail " + len, tail);
      }
      // whole pages of the tail keep the footer table, so these get measured too
      for (int len = 4096; len <= img.length; len += 4096) {
        exercise(
            fixture + " page tail " + len, Arrays.copyOfRange(img, img.length - len, img.length));
      }
    }
    byte[] svsm = Fixtures.bytes("svsm.bin");
    for (int len = 0; len <= 8192; len++) {
      byte[] tail = Arrays.copyOfRange(svsm, svsm.length - len, svsm.length);
      parseOnly("svsm tail " + len, tail);
    }
    assertOutcomes();
  }

  @Test
  void bitFlipsInTheFooterTableAndMetadata() throws Exception {
    for (String fixture : new String[] {"ovmf_AmdSev_suffix.bin", "ovmf_OvmfX64_suffix.bin"}) {
      byte[] img = Fixtures.bytes(fixture);
      int tableStart = img.length - 32 - Le.u16(img, img.length - 50);
      int meta =
          img.length
              - (int)
                  Le.u32(
                      FooterTable.parse(img).entry(FooterTable.SEV_METADATA_GUID).orElseThrow(), 0);
      int metaEnd = meta + (int) Le.u32(img, meta + 4);
      for (int off = 0; off < img.length; off++) {
        // every bit of the table and of the metadata; one byte in 64 elsewhere
        boolean parsed =
            (off >= tableStart && off < img.length - 32) || (off >= meta && off < metaEnd);
        if (!parsed && off % 64 != 0) {
          continue;
        }
        for (int bit = 0; bit < 8; bit++) {
          byte[] m = img.clone();
          m[off] ^= (byte) (1 << bit);
          exercise(fixture + " flip " + off + "." + bit, m);
        }
      }
    }
    assertThat(measured).isGreaterThan(1000);
    assertOutcomes();
  }

  @Test
  void mutatedLengthFields() {
    byte[] img = Fixtures.bytes("ovmf_AmdSev_suffix.bin");
    int footer = img.length - 50;
    int[] u16Values = {0, 1, 17, 18, 19, 22, 26, 135, 136, 137, 4000, 4046, 4047, 0x7FFF, 0xFFFF};
    // the footer's size and each entry's length
    int end = footer;
    int start = footer - (Le.u16(img, footer) - 18);
    List<Integer> fields = new ArrayList<>();
    fields.add(footer);
    while (end - start >= 18) {
      fields.add(end - 18);
      end -= Le.u16(img, end - 18);
    }
    for (int field : fields) {
      for (int v : u16Values) {
        byte[] m = img.clone();
        Le.put16(m, field, v);
        exercise("u16@" + field + "=" + v, m);
      }
    }
    // the metadata's offset, size, version, count and every section field
    int meta = img.length - 0x554; // the AmdSev fixture's metadata offset from the end
    long[] u32Values = {
      0, 1, 0xFFF, 0x1000, 0x1001, 0x80000000L, 0xFFFFFFFFL, 0xFFFFF000L, 0x10000000L, 7
    };
    for (int field = meta - 4; field < meta + 16 + 7 * 12; field += 4) {
      for (long v : u32Values) {
        byte[] m = img.clone();
        Le.put32(m, field, v);
        exercise("u32@" + field + "=" + v, m);
      }
    }
    for (long v : u32Values) { // the metadata entry's offset-from-end
      byte[] m = img.clone();
      int entryData = fields.get(fields.size() - 2) - 4; // data of the 4th walked entry
      Le.put32(m, entryData, v);
      exercise("metadata offset=" + v, m);
    }
    assertOutcomes();
  }

  @Test
  void oversizedFilesAreRefusedBeforeReading() throws Exception {
    Path big = tmp.resolve("big.fd");
    try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
      f.setLength(OvmfImage.MAX_IMAGE_SIZE + 4096); // sparse
    }
    MeasurementException e = expectOnlyOwn("big", () -> OvmfImage.read(big, "OVMF file"));
    assertThat(e).hasMessageContaining("is too large");
  }
}
