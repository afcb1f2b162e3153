package io.cocos.manager.attestation.corim;

/** Bytes that are not the CBOR (or the CoRIM/COSE structure) expected; the message is one line. */
public final class CborException extends Exception {
  public CborException(String message) {
    super(message, null, false, false);
  }
}
