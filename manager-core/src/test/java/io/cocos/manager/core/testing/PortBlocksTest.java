package io.cocos.manager.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PortBlocksTest {
  @Test
  void blocksAreDisjointBelowTheEphemeralRangeAndStayLocked() throws Exception {
    List<PortBlocks.Block> blocks =
        IntStream.range(0, 3).mapToObj(i -> PortBlocks.reserve()).toList();

    assertThat(blocks).extracting(PortBlocks.Block::first).doesNotHaveDuplicates();
    for (PortBlocks.Block b : blocks) {
      assertThat(b.last() - b.first() + 1).isEqualTo(PortBlocks.SIZE);
      assertThat(b.first()).isGreaterThanOrEqualTo(20000);
      assertThat(b.last()).isLessThan(32768);
      for (PortBlocks.Block other : blocks) {
        assertThat(other == b || other.last() < b.first() || other.first() > b.last()).isTrue();
      }
    }
    // the lock on a reserved block's file is held (here: by this JVM, so a second one is refused)
    int block = (blocks.get(0).first() - 20000) / PortBlocks.SIZE;
    Path file =
        Path.of(
            System.getProperty("java.io.tmpdir"),
            "cocos-test-port-blocks",
            Integer.toString(block));
    FileChannel probe = FileChannel.open(file, StandardOpenOption.WRITE);
    try {
      assertThatThrownBy(probe::tryLock).isInstanceOf(OverlappingFileLockException.class);
    } finally {
      // closing would drop this JVM's lock on the file (POSIX): leave the channel open
      PROBES.add(probe);
    }
  }

  /** Kept open for the JVM's life, see above. */
  private static final List<FileChannel> PROBES = new CopyOnWriteArrayList<>();
}
