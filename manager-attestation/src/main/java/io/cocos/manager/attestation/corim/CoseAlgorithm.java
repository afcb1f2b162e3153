package io.cocos.manager.attestation.corim;

import java.security.interfaces.ECKey;
import java.util.Arrays;
import java.util.Optional;

/**
 * The COSE signature algorithms a CoRIM is signed with here: ECDSA on P-256 and P-384 (RFC 9053).
 */
public enum CoseAlgorithm {
  ES256(-7, 256, "SHA256withECDSAinP1363Format"),
  ES384(-35, 384, "SHA384withECDSAinP1363Format");

  /** The COSE algorithm identifier (header label 1). */
  public final int id;

  /** The curve's field size: 256 for P-256, 384 for P-384. */
  public final int fieldBits;

  /** The JDK signature algorithm, in the r || s form COSE uses. */
  public final String jcaName;

  CoseAlgorithm(int id, int fieldBits, String jcaName) {
    this.id = id;
    this.fieldBits = fieldBits;
    this.jcaName = jcaName;
  }

  /** The algorithm for an EC key's curve; empty for a curve other than P-256 or P-384. */
  public static Optional<CoseAlgorithm> forKey(ECKey key) {
    int bits = key.getParams().getCurve().getField().getFieldSize();
    return Arrays.stream(values()).filter(a -> a.fieldBits == bits).findFirst();
  }

  public static Optional<CoseAlgorithm> forId(long id) {
    return Arrays.stream(values()).filter(a -> a.id == id).findFirst();
  }
}
