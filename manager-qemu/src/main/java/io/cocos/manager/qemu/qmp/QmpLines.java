package io.cocos.manager.qemu.qmp;

import java.io.IOException;
import java.util.Arrays;
import java.util.function.BooleanSupplier;

/**
 * Splits what a QMP connection reads into its messages, one a line, bounded by {@link
 * QmpClient#MAX_MESSAGE_BYTES}.
 *
 * <p>Memory: between messages it holds no buffer. Complete lines are handed on straight from the
 * read buffer; only the start of a message not yet complete is copied into {@link #partial}, which
 * grows as needed up to the bound and is dropped once its line ends. Selector thread only.
 */
final class QmpLines {
  /** Receives one complete line (without its line end). */
  @FunctionalInterface
  interface LineHandler {
    void line(byte[] bytes, int offset, int length) throws IOException;
  }

  private final LineHandler handler;

  /** The start of a message whose line end has not come yet; null between messages. */
  private byte[] partial;

  private int partialLength;

  QmpLines(LineHandler handler) {
    this.handler = handler;
  }

  /** How many bytes of an unfinished message are held. */
  int partialLength() {
    return partialLength;
  }

  /**
   * Hands on every line {@code bytes[0, length)} completes, while {@code more} says so (the
   * connection is still open), and keeps the start of the next.
   *
   * @throws IOException when a message exceeds the bound, or from the handler
   */
  void consume(byte[] bytes, int length, BooleanSupplier more) throws IOException {
    int lineStart = 0;
    for (int i = 0; i < length && more.getAsBoolean(); i++) {
      if (bytes[i] != '\n') {
        continue;
      }
      if (partial == null) {
        handler.line(bytes, lineStart, i - lineStart);
      } else {
        keepPartial(bytes, lineStart, i - lineStart);
        byte[] line = partial;
        int lineLength = partialLength;
        partial = null;
        partialLength = 0;
        handler.line(line, 0, lineLength);
      }
      lineStart = i + 1;
    }
    if (lineStart < length && more.getAsBoolean()) {
      keepPartial(bytes, lineStart, length - lineStart);
    }
  }

  /** Appends to the message under way, growing its buffer only as far as needed and allowed. */
  private void keepPartial(byte[] bytes, int offset, int length) throws IOException {
    int needed = partialLength + length;
    if (needed > QmpClient.MAX_MESSAGE_BYTES) {
      throw new MessageTooLongException();
    }
    if (partial == null || partial.length < needed) {
      int capacity =
          Math.min(
              QmpClient.MAX_MESSAGE_BYTES,
              Math.max(needed, partial == null ? 512 : partial.length * 2));
      partial = partial == null ? new byte[capacity] : Arrays.copyOf(partial, capacity);
    }
    System.arraycopy(bytes, offset, partial, partialLength, length);
    partialLength = needed;
  }

  /** A message longer than {@link QmpClient#MAX_MESSAGE_BYTES}. */
  static final class MessageTooLongException extends IOException {
    MessageTooLongException() {
      super(
          "a QMP message exceeds "
              + QmpClient.MAX_MESSAGE_BYTES
              + " bytes (QmpClient.MAX_MESSAGE_BYTES)");
    }
  }
}
