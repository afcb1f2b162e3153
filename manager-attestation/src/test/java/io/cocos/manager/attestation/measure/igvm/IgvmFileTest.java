package io.cocos.manager.attestation.measure.igvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cocos.manager.attestation.measure.Fixtures;
import io.cocos.manager.attestation.measure.igvm.IgvmHeader.PageData;
import io.cocos.manager.attestation.measure.igvm.IgvmHeader.SnpIdBlock;
import io.cocos.manager.attestation.measure.igvm.IgvmHeader.SupportedPlatform;
import io.cocos.manager.attestation.measure.igvm.IgvmHeader.VpContext;
import io.cocos.manager.attestation.measure.util.Le;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class IgvmFileTest {
  private static final byte[] PAGE = new byte[4096];

  @Test
  void parsesTheFixture() throws Exception {
    IgvmFile f = IgvmFile.parse(Fixtures.bytes("igvm/test_bzImage_x64.igvm"));
    assertThat(f.variableHeaderOffset()).isEqualTo(24);
    assertThat(f.platforms())
        .singleElement()
        .isInstanceOfSatisfying(
            SupportedPlatform.class,
            p -> {
              assertThat(p.platformType()).isEqualTo(IgvmTypes.PLATFORM_SEV_SNP);
              assertThat(p.compatibilityMask()).isEqualTo(1);
            });
    assertThat(f.initializations()).hasSize(1);
    assertThat(f.directives().stream().filter(h -> h instanceof PageData))
        .hasSize(7022 + 15 + 1 + 1);
    assertThat(f.directives().stream().filter(h -> h instanceof VpContext).findFirst())
        .hasValueSatisfying(v -> assertThat(((VpContext) v).gpa()).isEqualTo(0x803000));
    assertThat(f.directives().stream().filter(h -> h instanceof SnpIdBlock)).hasSize(1);
  }

  @Test
  void minimalFile() throws Exception {
    byte[] file = new IgvmBuilder().snpPlatform().pageData(0x1000, 1, PAGE, 0, 0).build();
    IgvmFile f = IgvmFile.parse(file);
    assertThat(f.fileDataOffset()).isEqualTo(24 + 24 + 32);
    assertThat(f.directives()).hasSize(1);
  }

  @Test
  void fixedHeaderErrors() {
    byte[] ok = new IgvmBuilder().snpPlatform().build();
    assertError(
        Arrays.copyOf(ok, 10), "IGVM file is truncated: 10 bytes, the fixed header alone needs 24");
    assertError(mutate(ok, 0, 0x12345678, false), "not an IGVM file: bad magic 0x12345678");
    assertError(
        mutate(ok, 4, 2, true), "unsupported IGVM format version 2 (only version 1 is supported)");
    assertError(
        Arrays.copyOf(ok, ok.length + 1),
        "IGVM fixed header gives total_file_size 48 but the file has 49 bytes");
    assertError(mutate(ok, 8, 8, true), "IGVM variable_header_offset 8 overlaps the fixed header");
    assertError(
        mutate(ok, 12, 100, true),
        "IGVM variable header section [24, 124) runs past the end of the file");
    assertError(
        mutate(ok, 20, 0xDEAD, false),
        "IGVM checksum mismatch: the header says 0xdead, the fixed and variable headers give 0x");
    byte[] flipped = ok.clone();
    flipped[30] ^= 1; // inside the variable headers, checksum not fixed
    assertError(flipped, "IGVM checksum mismatch");
  }

  @Test
  void variableHeaderErrors() {
    assertError(new IgvmBuilder().build(), "IGVM file has no SUPPORTED_PLATFORM header");
    assertError(
        new IgvmBuilder().snpPlatform().pageData(0x1000, 1, null, 0, 0).snpPlatform().build(),
        "IGVM SUPPORTED_PLATFORM header at offset 80 comes after directive headers");
    assertError(
        new IgvmBuilder().snpPlatform().raw(0x250, new byte[8]).build(),
        "unsupported IGVM variable header type 0x250 at offset 48");
    assertError(
        new IgvmBuilder().snpPlatform().raw(0x306, new byte[8]).build(),
        "unsupported IGVM variable header type 0x306 at offset 48");
    assertError(
        new IgvmBuilder().snpPlatform().raw(IgvmTypes.VHT_PAGE_DATA, new byte[16]).build(),
        "IGVM PAGE_DATA header at offset 48: length is 16, expected 24");
    assertError(
        new IgvmBuilder().platform(3, 2).build(),
        "compatibility mask 0x3 must have exactly one bit set");
    assertError(
        new IgvmBuilder().snpPlatform().platform(2, 2).build(),
        "platform type 2 is declared twice");
    assertError(
        new IgvmBuilder().snpPlatform().platform(1, 3).build(),
        "compatibility mask 0x1 is used by two platforms");
    assertError(new IgvmBuilder().platform(1, 9).build(), "unknown platform type 9");
    assertError(
        new IgvmBuilder().snpPlatform().pageData(0x1800, 1, null, 0, 0).build(),
        "GPA 0x1800 is not aligned to 0x1000");
    assertError(
        new IgvmBuilder()
            .snpPlatform()
            .pageData(0x1000, 1, null, IgvmHeader.PageData.FLAG_2MB, 0)
            .build(),
        "GPA 0x1000 is not aligned to 0x200000");
    assertError(
        new IgvmBuilder().snpPlatform().pageData(0x1000, 1, null, 0, 4).build(),
        "unknown page data type 4");
    assertError(
        new IgvmBuilder().snpPlatform().pageData(0x1000, 1, new byte[100], 0, 0).build(),
        "lies outside the file data section");
    assertError(
        new IgvmBuilder()
            .snpPlatform()
            .pageData(0x200000, 1, PAGE, IgvmHeader.PageData.FLAG_2MB, 0)
            .build(),
        "lies outside the file data section");
    assertError(
        new IgvmBuilder().snpPlatform().parameterInsert(0x1000, 1, 7).build(),
        "IGVM PARAMETER_INSERT header at offset 48: parameter area index 7 was not declared");
    assertError(
        new IgvmBuilder()
            .snpPlatform()
            .parameterArea(4096, 0)
            .parameterInsert(0x1000, 1, 0)
            .parameter(IgvmTypes.VHT_MEMORY_MAP, 0, 0)
            .build(),
        "parameter area index 0 was already inserted");
    assertError(
        new IgvmBuilder().snpPlatform().parameterArea(4096, 0).parameterArea(4096, 0).build(),
        "parameter area index 0 is declared twice");
    assertError(
        new IgvmBuilder().snpPlatform().parameterArea(100, 0).build(),
        "area size 100 is not page aligned");
    assertError(
        new IgvmBuilder().snpPlatform().vpContext(0x1000, 2, PAGE).build(),
        "compatibility mask 0x2 designates no single supported platform");
    assertError(
        new IgvmBuilder().snpPlatform().vpContext(0x1000, 1, new byte[10]).build(),
        "IGVM VP_CONTEXT header at offset 48: file data");
  }

  @Test
  void pagesEndingAtTheTopOfTheAddressSpaceAreFine() throws Exception {
    IgvmFile f =
        IgvmFile.parse(
            new IgvmBuilder()
                .snpPlatform()
                .pageData(0xFFFF_FFFF_FFFF_F000L, 1, null, 0, 0)
                .pageData(-0x200000L, 1, null, 1, 0)
                .build());
    assertThat(IgvmMeasurer.measure(f, IgvmMeasureOptions.DEFAULT).pagesMeasured()).isEqualTo(513);
  }

  @Test
  void headerRunningPastTheSection() {
    byte[] file = new IgvmBuilder().snpPlatform().pageData(0x1000, 1, null, 0, 0).build();
    Le.put32(file, 48 + 4, 1000); // PAGE_DATA length
    IgvmBuilder.fixChecksum(file);
    assertError(
        file, "IGVM PAGE_DATA header at offset 48 has length 1000 but only 24 bytes are left");
    byte[] f2 = new IgvmBuilder().snpPlatform().pageData(0x1000, 1, null, 0, 0).build();
    Le.put32(f2, 12, 24 + 4); // section ends inside the PAGE_DATA prefix
    IgvmBuilder.fixChecksum(f2);
    assertError(f2, "truncated IGVM variable header at offset 48: 4 bytes left in the section");
  }

  @Test
  void optionalUnknownHeadersAreSkipped() throws Exception {
    byte[] file =
        new IgvmBuilder()
            .snpPlatform()
            .raw(0x8000_0250, new byte[5])
            .raw(0x8000_0399, new byte[3])
            .pageData(0x1000, 1, null, 0, 0)
            .build();
    IgvmFile f = IgvmFile.parse(file);
    assertThat(f.ignored()).hasSize(2);
    assertThat(f.directives()).hasSize(1);
    // a known type with the optional bit is still understood
    IgvmFile g =
        IgvmFile.parse(
            new IgvmBuilder()
                .snpPlatform()
                .raw(0x8000_0000 | IgvmTypes.VHT_PAGE_DATA, pageDataBody(0x1000, 1))
                .build());
    assertThat(g.directives()).singleElement().isInstanceOf(PageData.class);
  }

  @Test
  void unsnpFileMeasuresWithAClearError() throws Exception {
    IgvmFile f = IgvmFile.parse(new IgvmBuilder().platform(1, IgvmTypes.PLATFORM_TDX).build());
    assertThatThrownBy(() -> IgvmMeasurer.measure(f, IgvmMeasureOptions.DEFAULT))
        .hasMessage(
            "IGVM file is not compatible with SEV-SNP: it has no SEV-SNP SUPPORTED_PLATFORM header");
  }

  private static byte[] pageDataBody(long gpa, long mask) {
    byte[] b = new byte[24];
    Le.put64(b, 0, gpa);
    Le.put32(b, 8, mask);
    return b;
  }

  private static byte[] mutate(byte[] file, int off, long value, boolean fixChecksum) {
    byte[] m = file.clone();
    Le.put32(m, off, value);
    if (fixChecksum) {
      IgvmBuilder.fixChecksum(m);
    }
    return m;
  }

  private static void assertError(byte[] file, String message) {
    assertThatThrownBy(() -> IgvmFile.parse(file))
        .isInstanceOf(IgvmFormatException.class)
        .hasMessageContaining(message);
  }
}
