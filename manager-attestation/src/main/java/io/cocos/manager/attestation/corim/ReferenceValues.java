package io.cocos.manager.attestation.corim;

import java.math.BigInteger;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/** What a CoRIM holds for one CVM platform: the values a verifier compares evidence with. */
public sealed interface ReferenceValues {
  /** Every SEV-SNP launch digest and TDX measurement register is a SHA-384. */
  int SHA384_BYTES = 48;

  /** SEV-SNP HOST_DATA is 32 bytes. */
  int HOST_DATA_BYTES = 32;

  /** "snp" or "tdx", as the CoRIM's and tag's ids start (upstream's platform names). */
  String platform();

  /** The CPU model, for the environment's instance id; empty for none. */
  Optional<String> product();

  /**
   * SEV-SNP.
   *
   * @param launchDigest the 48-byte launch measurement
   * @param hostData the 32 bytes of HOST_DATA the CVM is launched with, if any
   * @param minimumLaunchTcb the TCB_VERSION (an unsigned 64-bit value) the platform must at least
   *     run
   */
  record Snp(
      byte[] launchDigest,
      Optional<byte[]> hostData,
      BigInteger minimumLaunchTcb,
      Optional<String> product)
      implements ReferenceValues {
    public Snp {
      launchDigest = exactly(launchDigest, SHA384_BYTES, "the SEV-SNP launch digest");
      hostData = hostData.map(h -> exactly(h, HOST_DATA_BYTES, "SEV-SNP host data"));
      if (minimumLaunchTcb.signum() < 0 || minimumLaunchTcb.bitLength() > 64) {
        throw new IllegalArgumentException(
            "the minimum launch TCB is an unsigned 64-bit value, not " + minimumLaunchTcb);
      }
      Objects.requireNonNull(product);
    }

    @Override
    public String platform() {
      return "snp";
    }
  }

  /**
   * Intel TDX: MRTD, MRSEAM and the RTMRs, each 48 bytes.
   *
   * @param svn the TEE's security version number, if one is required (a tagged-svn)
   */
  record Tdx(
      byte[] mrtd, byte[] mrSeam, List<byte[]> rtmrs, OptionalLong svn, Optional<String> product)
      implements ReferenceValues {
    /**
     * Upstream's MRTD when none is configured (pkg/attestation/corimgen, "legacy TDX defaults").
     */
    public static final String DEFAULT_MRTD =
        "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7";

    /** Upstream's MRSEAM when none is configured. */
    public static final String DEFAULT_MRSEAM =
        "5b38e33a6487958b72c3c12a938eaa5e3fd4510c51aeeab58c7d5ecee41d7c436489d6c8e4f92f160b7cad34207b00c1";

    /** Upstream's RTMR0-3 when none are configured. */
    public static final List<String> DEFAULT_RTMRS =
        List.of(
            "ce0891f46a18db93e7691f1cf73ed76593f7dec1b58f0927ccb56a99242bf63bc9551561f9ee7833d40395fae59547ab",
            "062ac322e26b10874a84977a09735408a856aec77ff62b4975b1e90e33c18f05220ea522cdbffc3b2cf4451cc209e418",
            "5fd86e8c3d5e45386f1ed0852de7e83ae1b774ee4366bd5213c9890e8e3ac8fad3f7e690891d37f7c81ac20a445cc0ff",
            "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000");

    /** TDX has four RTMRs. */
    public static final int MAX_RTMRS = 4;

    public Tdx {
      mrtd = exactly(mrtd, SHA384_BYTES, "MRTD");
      mrSeam = exactly(mrSeam, SHA384_BYTES, "MRSEAM");
      if (rtmrs.isEmpty() || rtmrs.size() > MAX_RTMRS) {
        throw new IllegalArgumentException(
            "TDX has 1 to " + MAX_RTMRS + " RTMRs to give, not " + rtmrs.size());
      }
      rtmrs = rtmrs.stream().map(r -> exactly(r, SHA384_BYTES, "an RTMR")).toList();
      svn.ifPresent(
          s -> {
            if (s < 0) {
              throw new IllegalArgumentException("an SVN is unsigned, not " + s);
            }
          });
      Objects.requireNonNull(product);
    }

    /** Upstream's defaults for every register not given. */
    public static Tdx withDefaults(
        Optional<byte[]> mrtd,
        Optional<byte[]> mrSeam,
        Optional<List<byte[]>> rtmrs,
        OptionalLong svn,
        Optional<String> product) {
      HexFormat hex = HexFormat.of();
      return new Tdx(
          mrtd.orElseGet(() -> hex.parseHex(DEFAULT_MRTD)),
          mrSeam.orElseGet(() -> hex.parseHex(DEFAULT_MRSEAM)),
          rtmrs.orElseGet(() -> DEFAULT_RTMRS.stream().map(hex::parseHex).toList()),
          svn,
          product);
    }

    @Override
    public String platform() {
      return "tdx";
    }
  }

  private static byte[] exactly(byte[] value, int length, String what) {
    if (value.length != length) {
      throw new IllegalArgumentException(what + " is " + length + " bytes, not " + value.length);
    }
    return value.clone();
  }
}
