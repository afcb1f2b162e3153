package io.cocos.manager.grpc.cms;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class StatusTextTest {
  @Test
  void oneLineFromGrpcsWordsAndTheRootCauses() {
    Throwable failure =
        Status.UNAVAILABLE
            .withDescription("io exception\nChannel Pipeline: [SslHandler#0, ...]")
            .withCause(
                new IOException(
                    "wrapped",
                    new IOException("unable to find valid certification path\nmore detail")))
            .asRuntimeException();
    assertThat(StatusText.describe(failure))
        .isEqualTo("UNAVAILABLE: io exception (unable to find valid certification path)");
  }

  @Test
  void theCodeAloneWhenThereIsNothingElseToSay() {
    assertThat(StatusText.describe(Status.CANCELLED.asRuntimeException())).isEqualTo("CANCELLED");
    assertThat(
            StatusText.describe(
                Status.INTERNAL
                    .withDescription("same")
                    .withCause(new IllegalStateException("same"))
                    .asRuntimeException()))
        .isEqualTo("INTERNAL: same");
  }
}
