/**
 * Native computation of AMD SEV, SEV-ES and SEV-SNP launch digests, so that the manager can tell
 * what a correctly launched CVM measures as without external tools.
 *
 * <ul>
 *   <li>OVMF (and COCONUT-SVSM + OVMF) guests, as virtee/sev-snp-measure 0.0.13 computes them:
 *       {@link io.cocos.manager.attestation.measure.SnpMeasurementRequest} (options named after
 *       sev-snp-measure's command line) → {@link
 *       io.cocos.manager.attestation.measure.LaunchDigestCalculator#calculate} → {@link
 *       io.cocos.manager.attestation.measure.LaunchDigest} (hex / base64).
 *   <li>IGVM files, as COCONUT-SVSM's {@code igvmmeasure measure} computes them: {@link
 *       io.cocos.manager.attestation.measure.igvm.IgvmMeasurer#measure}.
 * </ul>
 *
 * <pre>{@code
 * SnpMeasurementRequest req = SnpMeasurementRequest.builder()
 *     .mode("snp").vcpus(4).vcpuType("EPYC-v4").ovmf(Path.of("OVMF.fd"))
 *     .kernel(kernel).initrd(initrd).append("console=ttyS0").guestFeatures(0x1).build();
 * String hex = LaunchDigestCalculator.calculate(req).hex();
 * String b64 = IgvmMeasurer.measure(Path.of("guest.igvm"), IgvmMeasureOptions.DEFAULT).digest().base64();
 * }</pre>
 *
 * <p>All failures are {@link io.cocos.manager.attestation.measure.MeasurementException}s with a
 * one-line message: {@link io.cocos.manager.attestation.measure.FirmwareFormatException} and {@link
 * io.cocos.manager.attestation.measure.igvm.IgvmFormatException} for malformed input, {@link
 * io.cocos.manager.attestation.measure.igvm.IdBlockMismatchException} for an IGVM ID block that
 * expects another digest. Parsers bound every length, offset and count by the real input size.
 */
package io.cocos.manager.attestation.measure;
