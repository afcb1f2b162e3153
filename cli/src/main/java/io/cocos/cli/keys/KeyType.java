package io.cocos.cli.keys;

import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/** The key types of upstream's `keys -k`: RSA 4096, ECDSA P-256, Ed25519. */
public enum KeyType {
  RSA,
  ECDSA,
  ED25519;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static KeyType parse(String text) {
    for (KeyType t : values()) {
      if (t.id().equalsIgnoreCase(text.strip())) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "unknown key type '" + text + "' (expected rsa, ecdsa or ed25519)");
  }

  /** For picocli: shell completion and the ${COMPLETION-CANDIDATES} of --help. */
  public static final class Candidates implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return List.of("rsa", "ecdsa", "ed25519").iterator();
    }
  }
}
