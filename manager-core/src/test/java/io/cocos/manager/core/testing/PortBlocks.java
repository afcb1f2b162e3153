package io.cocos.manager.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Blocks of host ports for tests that need ports known before anything binds them (QEMU's
 * host-forward range, a CMS that comes up later on the port the manager already dials). A block is
 * reserved by an exclusive lock on its own file under the system temp directory, held until this
 * JVM exits: tests in parallel forks, in other modules' runs, or in other worktrees on the same
 * machine never get the same block. The blocks lie below the system's ephemeral range
 * (32768-60999), so no port 0 bind or outgoing connection lands in them either.
 *
 * <p>Thread-safety: {@link #reserve} is synchronized; the held locks live in {@link #HELD}.
 */
public final class PortBlocks {
  /** Ports per block. */
  public static final int SIZE = 20;

  private static final int FIRST_PORT = 20000;
  private static final int BLOCKS = (32768 - FIRST_PORT) / SIZE;
  private static final Path LOCKS =
      Path.of(System.getProperty("java.io.tmpdir"), "cocos-test-port-blocks");

  /**
   * By block number: kept open (and so locked) for the JVM's life; the OS releases them at its
   * exit.
   */
  private static final Map<Integer, FileChannel> HELD = new HashMap<>();

  /** A reserved range of {@link #SIZE} consecutive ports. */
  public record Block(int first) {
    public int last() {
      return first + SIZE - 1;
    }
  }

  private PortBlocks() {}

  /** A block no other caller holds, reserved for the rest of this JVM's life. */
  public static synchronized Block reserve() {
    try {
      Files.createDirectories(LOCKS);
      // start at a point that differs between JVMs so parallel runs rarely contend for a lock
      int start = (int) (ProcessHandle.current().pid() % BLOCKS);
      for (int i = 0; i < BLOCKS; i++) {
        int block = (start + i) % BLOCKS;
        // Never reopen a file this JVM holds: closing any channel on it would drop the lock.
        if (HELD.containsKey(block)) {
          continue;
        }
        FileChannel channel;
        try {
          channel =
              FileChannel.open(
                  LOCKS.resolve(Integer.toString(block)),
                  StandardOpenOption.CREATE,
                  StandardOpenOption.WRITE);
        } catch (AccessDeniedException e) {
          continue; // another user's block
        }
        if (channel.tryLock() == null) {
          channel.close(); // another process holds it
          continue;
        }
        HELD.put(block, channel);
        return new Block(FIRST_PORT + block * SIZE);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new IllegalStateException("all " + BLOCKS + " test port blocks are reserved");
  }
}
