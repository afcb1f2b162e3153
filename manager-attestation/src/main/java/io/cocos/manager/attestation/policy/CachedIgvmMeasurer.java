package io.cocos.manager.attestation.policy;

import io.cocos.manager.attestation.measure.LaunchDigest;
import io.cocos.manager.attestation.measure.MeasurementException;
import io.cocos.manager.attestation.measure.igvm.IgvmFile;
import io.cocos.manager.attestation.measure.igvm.IgvmMeasureOptions;
import io.cocos.manager.attestation.measure.igvm.IgvmMeasurer;
import io.cocos.manager.attestation.measure.util.BoundedFiles;
import io.cocos.manager.attestation.measure.util.Hashing;
import io.cocos.manager.core.cvm.ManagerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The IGVM launch digest computed natively, as {@code igvmmeasure <file> measure -b} prints it
 * (default options), cached by the SHA-256 of the file's content: a file measured before costs one
 * hash. A file whose device, inode, size, mtime and ctime are unchanged since it was last read is
 * not even hashed again.
 *
 * <p>The stat shortcut trusts a file only once its ctime is {@link #RACY_WINDOW} older than the
 * read that hashed it: file timestamps advance in coarse ticks, so a file rewritten in place, with
 * the same size, within the tick it was read in could otherwise keep its stat and serve a stale
 * digest (git's "racy clean" problem). ctime cannot be set back by a user, unlike mtime.
 */
final class CachedIgvmMeasurer {
  static final Duration RACY_WINDOW = Duration.ofSeconds(2);

  /**
   * Distinct file contents remembered; the manager measures one configured file, so a few suffice.
   */
  private static final int CACHED_DIGESTS = 8;

  private static final Logger log = LoggerFactory.getLogger(CachedIgvmMeasurer.class);

  /** What identifies a file's content without reading it, as far as the file system tells. */
  private record FileStat(
      Object device, Object inode, long size, FileTime modified, FileTime changed) {}

  private final Clock clock;

  /**
   * Guards every field below. It is held while a file is read, hashed and measured, so that
   * concurrent calls wait for one computation instead of each doing it.
   */
  private final ReentrantLock lock = new ReentrantLock();

  private FileStat trustedStat;
  private String trustedSha256;
  private final Map<String, LaunchDigest> digestsBySha256 =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, LaunchDigest> eldest) {
          return size() > CACHED_DIGESTS;
        }
      };
  private long filesHashed;
  private long digestsComputed;

  /**
   * @param clock tells how old a file's ctime is, for the stat shortcut
   */
  CachedIgvmMeasurer(Clock clock) {
    this.clock = clock;
  }

  /**
   * The launch digest of the IGVM file at {@code igvm}.
   *
   * @param variable the setting that names the file, for messages
   */
  LaunchDigest measure(Path igvm, String variable) throws ManagerException, InterruptedException {
    lock.lockInterruptibly();
    try {
      FileStat before = stat(igvm, variable);
      if (before.equals(trustedStat)) {
        LaunchDigest known = digestsBySha256.get(trustedSha256);
        if (known != null) {
          return known;
        }
      }
      Instant readAt = clock.instant();
      byte[] content = BoundedFiles.readAll(igvm, IgvmFile.MAX_FILE_SIZE, "IGVM file");
      String sha256 = HexFormat.of().formatHex(Hashing.sha256().digest(content));
      filesHashed++;
      LaunchDigest digest = digestsBySha256.get(sha256);
      if (digest == null) {
        long start = System.nanoTime();
        digest = IgvmMeasurer.measure(IgvmFile.parse(content), IgvmMeasureOptions.DEFAULT).digest();
        digestsComputed++;
        digestsBySha256.put(sha256, digest);
        log.info(
            "IGVM launch measurement of {} (sha256 {}) computed natively in {} ms: {}",
            igvm,
            sha256,
            Duration.ofNanos(System.nanoTime() - start).toMillis(),
            digest.hex());
      }
      boolean stable =
          before.equals(stat(igvm, variable))
              && before.changed().toInstant().isBefore(readAt.minus(RACY_WINDOW));
      trustedStat = stable ? before : null;
      trustedSha256 = stable ? sha256 : null;
      return digest;
    } catch (MeasurementException e) {
      throw ExternalTool.failure(
          "cannot compute the IGVM launch measurement of "
              + variable
              + "="
              + igvm
              + " natively: "
              + e.getMessage());
    } finally {
      lock.unlock();
    }
  }

  /** How many times a file's content was read and hashed (a test hook for the stat shortcut). */
  long filesHashed() {
    lock.lock();
    try {
      return filesHashed;
    } finally {
      lock.unlock();
    }
  }

  /** How many digests were computed rather than found in the cache (a test hook). */
  long digestsComputed() {
    lock.lock();
    try {
      return digestsComputed;
    } finally {
      lock.unlock();
    }
  }

  private static FileStat stat(Path file, String variable) throws ManagerException {
    try {
      Map<String, Object> a =
          Files.readAttributes(file, "unix:dev,ino,size,lastModifiedTime,ctime");
      return new FileStat(
          a.get("dev"),
          a.get("ino"),
          (Long) a.get("size"),
          (FileTime) a.get("lastModifiedTime"),
          (FileTime) a.get("ctime"));
    } catch (NoSuchFileException e) {
      throw IgvmLaunchMeasurement.missingIgvmFile(variable, file);
    } catch (IOException e) {
      throw ExternalTool.failure("cannot read " + variable + "=" + file + ": " + e.getMessage());
    }
  }
}
