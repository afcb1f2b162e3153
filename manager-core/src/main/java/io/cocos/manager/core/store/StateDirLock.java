package io.cocos.manager.core.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * One manager per state directory: an exclusive lock on {@code <state dir>/manager.lock}, held for
 * the manager's whole life and taken before anything else reads or writes the directory. The kernel
 * drops the lock when the process ends, however it ends (kill -9 included), so a stale lock file
 * never blocks the next manager. The holder's pid is written into the file so that the manager
 * refused can name it.
 */
public final class StateDirLock implements AutoCloseable {
  public static final String FILE_NAME = "manager.lock";

  /** A lock file longer than this is not ours: read no more of it. */
  private static final int MAX_PID_BYTES = 32;

  private final FileChannel channel;
  private final FileLock lock;

  private StateDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** Another manager holds the state directory. */
  public static final class HeldException extends Exception {
    public HeldException(String message) {
      super(message);
    }
  }

  /**
   * Creates the state directory if needed and locks it; throws HeldException (naming the directory
   * and the holder's pid) without changing anything when another manager holds it.
   */
  public static StateDirLock acquire(Path stateDir) throws IOException, HeldException {
    SecureFiles.createPrivateDirectory(stateDir);
    Path file = stateDir.resolve(FILE_NAME);
    // No TRUNCATE: the holder's pid must survive a refused attempt. NOFOLLOW: a planted symlink
    // must not make us write elsewhere.
    FileChannel channel =
        FileChannel.open(
            file,
            Set.of(
                StandardOpenOption.CREATE,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by this very process (a second manager in one JVM, as tests do)
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    if (lock == null) {
      String holder = holderPid(channel);
      channel.close();
      throw new HeldException(
          "state directory "
              + stateDir
              + " is in use by another manager (pid "
              + holder
              + "); only one manager may run per MANAGER_STATE_DIR");
    }
    try {
      channel.truncate(0);
      channel.write(
          ByteBuffer.wrap(
              (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)),
          0);
      channel.force(true);
    } catch (IOException e) {
      lock.release();
      channel.close();
      throw e;
    }
    return new StateDirLock(channel, lock);
  }

  private static String holderPid(FileChannel channel) {
    try {
      ByteBuffer buffer = ByteBuffer.allocate(MAX_PID_BYTES);
      channel.read(buffer, 0);
      String text =
          new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).strip();
      return text.matches("[0-9]{1,10}") ? text : "unknown";
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** Releases the lock; the file stays (removing it would race with the next manager's lock). */
  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}
