package io.cocos.manager.attestation.measure.snp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cocos.manager.attestation.measure.LaunchDigestCalculator;
import io.cocos.manager.attestation.measure.ovmf.EfiGuid;
import io.cocos.manager.attestation.measure.util.Le;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SevHashesTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final String SHA256_EMPTY =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  private static final String SHA256_NUL =
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d";

  @TempDir Path tmp;

  @Test
  void tableLayout() throws Exception {
    Path kernel = Files.write(tmp.resolve("k"), new byte[0]);
    SevHashes h = LaunchDigestCalculator.sevHashes(kernel, null, null);
    byte[] t = h.table();
    assertThat(t).hasSize(176);
    assertThat(SevHashes.TABLE_SIZE).isEqualTo(168);
    assertThat(EfiGuid.fromBytes(t, 0).toString())
        .isEqualTo("9438d606-4f22-4cc9-b479-a793d411fd21");
    assertThat(Le.u16(t, 16)).isEqualTo(168);
    // entries: cmdline, initrd, kernel; each GUID | u16 50 | sha256
    String[] guids = {
      "97d02dd8-bd20-4c94-aa78-e7714d36ab2a",
      "44baf731-3a2f-4bd7-9af1-41e29169781d",
      "4de79437-abd2-427f-b835-d5b172d2045b"
    };
    String[] hashes = {SHA256_NUL, SHA256_EMPTY, SHA256_EMPTY};
    for (int i = 0; i < 3; i++) {
      int off = 18 + 50 * i;
      assertThat(EfiGuid.fromBytes(t, off).toString()).isEqualTo(guids[i]);
      assertThat(Le.u16(t, off + 16)).isEqualTo(50);
      assertThat(HEX.formatHex(t, off + 18, off + 50)).isEqualTo(hashes[i]);
    }
    assertThat(Arrays.copyOfRange(t, 168, 176)).containsOnly(0);
    // EFI byte order of the header GUID
    assertThat(HEX.formatHex(t, 0, 16)).isEqualTo("06d63894224fc94cb479a793d411fd21");
  }

  @Test
  void commandLineIsUtf8PlusNul() throws Exception {
    Path kernel = Files.write(tmp.resolve("k"), new byte[] {1, 2, 3});
    Path initrd = Files.write(tmp.resolve("i"), new byte[] {4});
    byte[] t = LaunchDigestCalculator.sevHashes(kernel, initrd, "é x").table();
    byte[] cmd = "é x\0".getBytes(StandardCharsets.UTF_8);
    assertThat(Arrays.copyOfRange(t, 36, 68))
        .isEqualTo(MessageDigest.getInstance("SHA-256").digest(cmd));
    assertThat(Arrays.copyOfRange(t, 86, 118))
        .isEqualTo(MessageDigest.getInstance("SHA-256").digest(new byte[] {4}));
    assertThat(Arrays.copyOfRange(t, 136, 168))
        .isEqualTo(MessageDigest.getInstance("SHA-256").digest(new byte[] {1, 2, 3}));
    // an empty command line hashes like no command line
    assertThat(
            Arrays.copyOfRange(LaunchDigestCalculator.sevHashes(kernel, null, "").table(), 36, 68))
        .isEqualTo(HEX.parseHex(SHA256_NUL));
  }

  @Test
  void pagePlacesTheTableAtTheGpaOffset() throws Exception {
    Path kernel = Files.write(tmp.resolve("k"), new byte[0]);
    SevHashes h = LaunchDigestCalculator.sevHashes(kernel, null, null);
    byte[] page = h.page(0xC00);
    assertThat(page).hasSize(4096);
    assertThat(Arrays.copyOfRange(page, 0, 0xC00)).containsOnly(0);
    assertThat(Arrays.copyOfRange(page, 0xC00, 0xC00 + 176)).isEqualTo(h.table());
    assertThat(Arrays.copyOfRange(page, 0xC00 + 176, 4096)).containsOnly(0);
    assertThatThrownBy(() -> h.page(4096 - 100)).isInstanceOf(IllegalArgumentException.class);
  }
}
