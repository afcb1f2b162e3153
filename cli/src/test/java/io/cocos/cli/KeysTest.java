package io.cocos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** `keys`: files that the real openssl binary loads, with the PEM labels and modes promised. */
class KeysTest {
  @TempDir Path dir;

  @ParameterizedTest
  @CsvSource({
    "rsa,     PRIVATE KEY,    Private-Key: (4096 bit",
    "ecdsa,   EC PRIVATE KEY, Private-Key: (256 bit)",
    "ed25519, PRIVATE KEY,    ED25519 Private-Key:"
  })
  void writesAPairOpensslLoads(String type, String privateLabel, String opensslSays)
      throws Exception {
    CliRun.Result r = new CliRun(Map.of(), dir).run("keys", "-k", type);

    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.outLines())
        .containsExactly("Successfully generated public/private key pair of type: " + type);
    assertThat(r.err()).isEmpty();

    Path priv = dir.resolve("private.pem");
    Path pub = dir.resolve("public.pem");
    assertThat(Files.getPosixFilePermissions(priv))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.getPosixFilePermissions(pub))
        .isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));
    assertThat(Files.readString(priv))
        .startsWith("-----BEGIN " + privateLabel + "-----\n")
        .endsWith("-----END " + privateLabel + "-----\n");
    assertThat(Files.readString(pub))
        .startsWith("-----BEGIN PUBLIC KEY-----\n")
        .endsWith("-----END PUBLIC KEY-----\n");
    // no temporary files left behind
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("private.pem", "public.pem");
    }

    assertThat(openssl("pkey", "-in", priv.toString(), "-noout").exit).isZero();
    assertThat(openssl("pkey", "-pubin", "-in", pub.toString(), "-noout").exit).isZero();
    Openssl text = openssl("pkey", "-in", priv.toString(), "-noout", "-text");
    assertThat(text.output).contains(opensslSays);
    // the public key is the private key's
    Openssl derived = openssl("pkey", "-in", priv.toString(), "-pubout");
    assertThat(derived.output).isEqualTo(Files.readString(pub));
    if (type.equals("ecdsa")) {
      assertThat(text.output).contains("prime256v1");
    }
  }

  @Test
  void rsaIsTheDefaultAndHas4096Bits() throws Exception {
    CliRun.Result r = new CliRun(Map.of(), dir).run("keys");
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo("Successfully generated public/private key pair of type: rsa\n");
    assertThat(
            openssl("rsa", "-in", dir.resolve("private.pem").toString(), "-noout", "-text").output)
        .contains("Private-Key: (4096 bit");
  }

  @Test
  void typeIsCaseInsensitiveAndPrintedInLowerCase() {
    CliRun.Result r = new CliRun(Map.of(), dir).run("keys", "--key-type", "ECDSA");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .isEqualTo("Successfully generated public/private key pair of type: ecdsa\n");
  }

  @Test
  void replacesAnExistingWorldReadablePrivateKeyWithAPrivateOne() throws Exception {
    Path priv = dir.resolve("private.pem");
    Files.writeString(priv, "old");
    Files.setPosixFilePermissions(priv, PosixFilePermissions.fromString("rw-rw-rw-"));

    assertThat(new CliRun(Map.of(), dir).run("keys", "-k", "ed25519").code()).isZero();

    assertThat(Files.getPosixFilePermissions(priv))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.readString(priv)).startsWith("-----BEGIN PRIVATE KEY-----");
  }

  @Test
  void unknownTypeIsAUsageError() {
    CliRun.Result r = new CliRun(Map.of(), dir).run("keys", "-k", "dsa");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.errLines().get(0))
        .isEqualTo(
            "❌ Invalid value for option '--key-type': 'dsa' is not one of rsa, ecdsa, ed25519");
    assertThat(dir.resolve("private.pem")).doesNotExist();
  }

  @Test
  void unwritableDirectoryIsNamed() throws Exception {
    Path ro = Files.createDirectory(dir.resolve("ro"));
    Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-x------"));
    boolean root = "root".equals(System.getProperty("user.name"));
    CliRun.Result r = new CliRun(Map.of(), ro).run("keys", "-k", "ecdsa");
    if (root) {
      // root writes anywhere; nothing to see
      assertThat(r.code()).isZero();
      return;
    }
    assertThat(r.code()).isEqualTo(9);
    assertThat(r.err())
        .startsWith("❌ cannot write " + ro.resolve("private.pem") + ": permission denied");
  }

  record Openssl(int exit, String output) {}

  static Openssl openssl(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Openssl(p.exitValue(), out);
  }
}
