package io.cocos.manager.attestation.measure.ovmf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

import io.cocos.manager.attestation.measure.FirmwareFormatException;
import io.cocos.manager.attestation.measure.Fixtures;
import io.cocos.manager.attestation.measure.util.Le;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class FooterTableTest {

  @Test
  void amdSevFixture() throws Exception {
    OvmfImage img =
        OvmfImage.parse("AmdSev", Fixtures.bytes("ovmf_AmdSev_suffix.bin"), OvmfImage.FOUR_GIB);
    assertThat(img.gpa()).isEqualTo(0xFFFFF000L);
    List<String> guids = new ArrayList<>();
    img.table().entries().keySet().forEach(g -> guids.add(g.toString()));
    // walked from the end of the table
    assertThat(guids)
        .containsExactly(
            "00f771de-1a7e-4fcb-890e-68c77e2fb44e",
            "4c2eb361-7d9b-4cc3-8081-127c90d3d294",
            "7255371f-3a3b-4b04-927b-1da6efa8d454",
            "dc886566-984a-4798-a75e-5585a7bf67cc",
            "e47a6535-984a-4798-865e-4685a7bf8ec2");
    assertThat(img.sevEsResetEip()).contains(0x80B004L);
    assertThat(img.sevHashesTableGpa()).contains(0x810C00L);
    assertThat(img.isSevHashesTableSupported()).isTrue();
    assertThat(img.metadata())
        .extracting(MetadataSection::type)
        .containsExactly(
            SectionType.SNP_SEC_MEM,
            SectionType.SNP_SEC_MEM,
            SectionType.SNP_SECRETS,
            SectionType.CPUID,
            SectionType.SVSM_CAA,
            SectionType.SNP_KERNEL_HASHES,
            SectionType.SNP_SEC_MEM);
    assertThat(img.metadata().get(0)).isEqualTo(new MetadataSection(0, 0x800000, 0x9000, 1));
    assertThat(img.metadata().get(5)).isEqualTo(new MetadataSection(5, 0x810000, 0x1000, 0x10));
  }

  @Test
  void ovmfX64FixtureHasNoUsableHashesTable() throws Exception {
    OvmfImage img =
        OvmfImage.parse("X64", Fixtures.bytes("ovmf_OvmfX64_suffix.bin"), OvmfImage.FOUR_GIB);
    assertThat(img.sevHashesTableGpa()).contains(0L);
    assertThat(img.isSevHashesTableSupported()).isFalse();
    assertThat(img.hasMetadataSection(SectionType.SNP_KERNEL_HASHES)).isFalse();
    assertThat(img.metadata()).hasSize(6);
  }

  @Test
  void svsmFixture() throws Exception {
    byte[] ovmf = Fixtures.bytes("svsm_ovmf.fd");
    long ovmfGpa = OvmfImage.FOUR_GIB - ovmf.length;
    assertThat(ovmfGpa).isEqualTo(0xFFC84000L);
    OvmfImage svsm = OvmfImage.parse("svsm", Fixtures.bytes("svsm.bin"), ovmfGpa - 0x84000);
    assertThat(svsm.gpa()).isEqualTo(0xFFAEA000L);
    assertThat(svsm.svsmEntryPoint()).isEqualTo(0xFFAEA000L);
    assertThat(svsm.metadata())
        .containsExactly(
            new MetadataSection(0, 0x0, 0x9E000, 1),
            new MetadataSection(1, 0x9E000, 0x1000, 2),
            new MetadataSection(2, 0x9F000, 0x1000, 3));
  }

  @Test
  void syntheticTableIsWalkedBackwards() throws Exception {
    EfiGuid a = EfiGuid.parse("11111111-2222-3333-4444-555555555555");
    EfiGuid b = EfiGuid.parse("66666666-7777-8888-9999-aaaaaaaaaaaa");
    byte[] img =
        new SyntheticFirmware(1)
            .entry(a, new byte[] {1, 2, 3, 4, 5})
            .entry(b, new byte[] {})
            .build();
    FooterTable t = FooterTable.parse(img);
    assertThat(t.entries().keySet()).containsExactly(b, a);
    assertThat(t.entry(a)).hasValueSatisfying(d -> assertThat(d).containsExactly(1, 2, 3, 4, 5));
    assertThat(t.entry(b)).hasValueSatisfying(d -> assertThat(d).isEmpty());
    assertThatThrownBy(() -> t.u32(b, "b"))
        .isInstanceOf(FirmwareFormatException.class)
        .hasMessageContaining("too short");
    assertThat(t.u32(a, "a")).contains(0x04030201L);
  }

  @Test
  void noFooterGuidMeansNoTable() throws Exception {
    assertThat(FooterTable.parse(new byte[4096]).isEmpty()).isTrue();
    assertThat(FooterTable.parse(new byte[49]).isEmpty()).isTrue();
    assertThat(FooterTable.parse(new byte[0]).isEmpty()).isTrue();
  }

  @Test
  void malformedLengths() {
    EfiGuid a = EfiGuid.parse("11111111-2222-3333-4444-555555555555");
    byte[] img = new SyntheticFirmware(1).entry(a, new byte[4]).build();
    int footer = img.length - 50;
    int entryHeader = footer - 18;

    byte[] tooSmall = img.clone();
    Le.put16(tooSmall, entryHeader, 17);
    assertThatThrownBy(() -> FooterTable.parse(tooSmall))
        .isInstanceOf(FirmwareFormatException.class)
        .hasMessageContaining("invalid OVMF footer table entry size 17");

    byte[] tooBig = img.clone();
    Le.put16(tooBig, entryHeader, 23);
    assertThatThrownBy(() -> FooterTable.parse(tooBig))
        .isInstanceOf(FirmwareFormatException.class)
        .hasMessageContaining("only 22 bytes of the table remain");

    byte[] hugeTable = img.clone();
    Le.put16(hugeTable, footer, 0xFFFF);
    byte[] small = Arrays.copyOfRange(hugeTable, hugeTable.length - 1024, hugeTable.length);
    assertThatThrownBy(() -> FooterTable.parse(small))
        .isInstanceOf(FirmwareFormatException.class)
        .hasMessageContaining("exceeds the image");

    byte[] negative = img.clone();
    Le.put16(negative, footer, 5); // smaller than the footer entry itself: no table, as upstream
    assertThat(assertDoesNotThrow(() -> FooterTable.parse(negative)).isEmpty()).isTrue();
  }

  @Test
  void metadataErrors() {
    assertThatThrownBy(
            () ->
                OvmfImage.parse(
                    "x",
                    new SyntheticFirmware(1)
                        .u32Entry(FooterTable.SEV_METADATA_GUID, 0x2000)
                        .build(),
                    OvmfImage.FOUR_GIB))
        .isInstanceOf(FirmwareFormatException.class)
        .hasMessageContaining("outside the image");
    assertThatThrownBy(
            () ->
                OvmfImage.parse(
                    "x",
                    new SyntheticFirmware(1).u32Entry(FooterTable.SEV_METADATA_GUID, 0x800).build(),
                    OvmfImage.FOUR_GIB))
        .isInstanceOf(FirmwareFormatException.class)
        .hasMessageContaining("ASEV");

    byte[] img = new SyntheticFirmware(1).section(0x800000, 0x1000, 1).build();
    byte[] badVersion = img.clone();
    Le.put32(badVersion, 0x108, 2);
    assertThatThrownBy(() -> OvmfImage.parse("x", badVersion, OvmfImage.FOUR_GIB))
        .isInstanceOf(FirmwareFormatException.class)
        .hasMessageContaining("version 2");
    byte[] manyItems = img.clone();
    Le.put32(manyItems, 0x10C, 0xFFFFFFFFL);
    assertThatThrownBy(() -> OvmfImage.parse("x", manyItems, OvmfImage.FOUR_GIB))
        .isInstanceOf(FirmwareFormatException.class)
        .hasMessageContaining("4294967295 sections");
    assertThatThrownBy(() -> OvmfImage.parse("x", new byte[0], OvmfImage.FOUR_GIB))
        .isInstanceOf(FirmwareFormatException.class)
        .hasMessageContaining("empty");
  }
}
