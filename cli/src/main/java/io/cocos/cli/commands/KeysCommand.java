package io.cocos.cli.commands;

import io.cocos.cli.CliContext;
import io.cocos.cli.CliException;
import io.cocos.cli.ExitCode;
import io.cocos.cli.Files2;
import io.cocos.cli.keys.KeyPairs;
import io.cocos.cli.keys.KeyType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

@Command(
    name = "keys",
    sortOptions = false,
    description = {
      "Generate a new public/private key pair.",
      "",
      "Writes public.pem and private.pem into the current directory, private.pem readable by you alone; "
          + "existing files are replaced, as upstream does. rsa: 4096 bits, private key PKCS#8; "
          + "ecdsa: P-256, private key SEC 1 (\"EC PRIVATE KEY\"); ed25519: private key PKCS#8. "
          + "Public keys are SubjectPublicKeyInfo (\"PUBLIC KEY\").",
      ""
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  cocos-cli keys",
      "  cocos-cli keys -k ecdsa",
      "  cocos-cli keys --key-type ed25519"
    })
public final class KeysCommand implements Callable<Integer> {
  static final String PUBLIC_FILE = "public.pem";
  static final String PRIVATE_FILE = "private.pem";

  private final CliContext ctx;
  @Mixin HelpOption help;

  @Option(
      names = {"-k", "--key-type"},
      paramLabel = "<type>",
      defaultValue = "rsa",
      converter = TypeConverter.class,
      completionCandidates = KeyType.Candidates.class,
      description = "Key type: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  KeyType keyType;

  public KeysCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    KeyPairs.PemPair pair;
    try {
      pair = KeyPairs.generate(keyType);
    } catch (GeneralSecurityException e) {
      throw new CliException(
          ExitCode.FAILURE, "cannot generate a " + keyType.id() + " key: " + e.getMessage());
    }
    write(PRIVATE_FILE, pair.privatePem(), "rw-------");
    write(PUBLIC_FILE, pair.publicPem(), "rw-r--r--");
    ctx.out().println("Successfully generated public/private key pair of type: " + keyType.id());
    return ExitCode.OK;
  }

  /**
   * Writes through a temporary file created with its final mode, then renames it into place: the
   * private key is never readable by others, not even for a moment, and an existing file is
   * replaced whole.
   */
  private void write(String name, String pem, String mode) {
    Path target = ctx.resolve(name);
    Path dir = target.getParent();
    Path tmp = null;
    try {
      boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
      FileAttribute<?>[] attrs =
          posix
              ? new FileAttribute<?>[] {
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode))
              }
              : new FileAttribute<?>[0];
      tmp = Files.createTempFile(dir, "." + name + ".", ".tmp", attrs);
      Files.writeString(tmp, pem, StandardCharsets.US_ASCII);
      try {
        Files.move(
            tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // the original failure is the one to report
        }
      }
      throw new CliException(ExitCode.LOCAL, "cannot write " + target + ": " + Files2.reason(e));
    }
  }

  static final class TypeConverter implements ITypeConverter<KeyType> {
    @Override
    public KeyType convert(String value) {
      try {
        return KeyType.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException("'" + value + "' is not one of rsa, ecdsa, ed25519");
      }
    }
  }
}
