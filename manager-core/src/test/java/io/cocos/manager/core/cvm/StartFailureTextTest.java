package io.cocos.manager.core.cvm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What a failed start reports of QEMU's output: one line, nothing in it that a terminal obeys. */
class StartFailureTextTest {
  @Test
  void linesAreJoinedAndWhatAGuestCouldSpoofWithIsEscaped() {
    assertThat(CvmCreator.oneLine("  first\n\n\u001b[2Jsecond \u202eevil\r\nqemu: fatal  \n"))
        .isEqualTo("first | \\x1b[2Jsecond \\u202eevil | qemu: fatal");
  }

  @Test
  void aLongOutputKeepsItsEnd() {
    String text = "x".repeat(5000) + "\nqemu-system-x86_64: the real error";
    String line = CvmCreator.oneLine(text);
    assertThat(line).startsWith("…").endsWith("the real error").hasSize(2001);
  }
}
