package io.cocos.testcvms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The test CVMS server's flags and their messages, as upstream's test/cvms/main.go. */
class TestCvmsFlagsTest {
  @Test
  void everyMissingFlagIsReportedOnItsOwnLineThenTheUsage() {
    assertThatThrownBy(Settings::parse)
        .isInstanceOf(Settings.UsageException.class)
        .hasMessageStartingWith(
            "\nEither algo-path OR (algo-source-url AND algo-kbs-path) is required\n"
                + "Public key path is required\n"
                + "Attested TLS flag is required and it must be a boolean value\n"
                + "Usage :\n"
                + "  -algo-args string\n"
                + "    \tAlgorithm arguments, comma-separated\n")
        .hasMessageContaining("  -public-key-path string\n    \tPath to the public key file\n");
  }

  @Test
  void attestedTlsMustBeAGoBoolean() throws Exception {
    assertThatThrownBy(
            () ->
                Settings.parse(
                    "-algo-path", "a", "-public-key-path", "k", "-attested-tls-bool", "yes"))
        .hasMessageStartingWith(
            "\nAttested TLS flag is required and it must be a boolean value\nUsage :\n");
    assertThat(
            Settings.parse("--algo-path=a", "-public-key-path", "k", "-attested-tls-bool=T")
                .attestedTls())
        .isTrue();
  }

  @Test
  void aRemoteAlgorithmNeedsBothItsUrlAndItsKbsPath() throws Exception {
    assertThatThrownBy(
            () ->
                Settings.parse(
                    "-algo-source-url",
                    "s3://b/k",
                    "-public-key-path",
                    "k",
                    "-attested-tls-bool",
                    "false"))
        .hasMessageStartingWith(
            "\nEither algo-path OR (algo-source-url AND algo-kbs-path) is required\n");
    Settings remote =
        Settings.parse(
            "-algo-source-url",
            "s3://b/k",
            "-algo-kbs-path",
            "default/key/a",
            "-public-key-path",
            "k",
            "-attested-tls-bool",
            "false");
    assertThat(remote.algoKbsPath()).isEqualTo("default/key/a");
  }

  @Test
  void flagsGoDoesNotKnowOrWithoutTheirValueAreRefusedAsGoRefusesThem() {
    assertThatThrownBy(() -> Settings.parse("-nope", "x"))
        .hasMessageStartingWith(
            "flag provided but not defined: -nope\nUsage of tests/cvms/main.go:\n")
        .hasMessageEndingWith("Error parsing flags: flag provided but not defined: -nope");
    assertThatThrownBy(() -> Settings.parse("-algo-path"))
        .hasMessageEndingWith("Error parsing flags: flag needs an argument: -algo-path");
    assertThatThrownBy(() -> Settings.parse("-h"))
        .hasMessageStartingWith("Usage of tests/cvms/main.go:\n  -algo-args string\n")
        .hasMessageEndingWith("Error parsing flags: flag: help requested");
  }

  @Test
  void theLauncherPrintsTheProblemsAndExitsNonZero() throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp",
                    System.getProperty("java.class.path"),
                    TestCvms.class.getName(),
                    "-algo-path",
                    "algo"))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(1);
    assertThat(err)
        .matches("(?s)\\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d \n.*")
        .contains("\nPublic key path is required\n")
        .contains("\nAttested TLS flag is required and it must be a boolean value\n")
        .doesNotContain("Either algo-path");
  }
}
