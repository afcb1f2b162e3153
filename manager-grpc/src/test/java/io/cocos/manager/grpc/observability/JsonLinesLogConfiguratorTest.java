package io.cocos.manager.grpc.observability;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import org.junit.jupiter.api.Test;

/**
 * The logging set up in code writes, byte for byte, what the same configuration in XML
 * (src/test/resources/logback-json-lines.xml, read by logback's own Joran) writes; and it steps
 * aside for an operator's file or the tests' logback-test.xml.
 */
class JsonLinesLogConfiguratorTest {
  /** One throwable for both encodings: its stack trace is part of the line. */
  private static final IllegalStateException BOOM = new IllegalStateException("boom");

  /** A throwable with a cause and a suppressed one, each printed in its own section. */
  private static final RuntimeException NESTED = nested();

  private static RuntimeException nested() {
    RuntimeException e =
        new RuntimeException("outer", new java.io.IOException("cause\twith a tab"));
    e.addSuppressed(new IllegalArgumentException("suppressed"));
    return e;
  }

  @Test
  void codeAndXmlConfigurationsEncodeEveryEventAlikeInUtc() throws Exception {
    TimeZone jvmZone = TimeZone.getDefault();
    TimeZone.setDefault(TimeZone.getTimeZone("Asia/Kolkata"));
    try {
      encodeEveryEventAlike();
    } finally {
      TimeZone.setDefault(jvmZone);
    }
  }

  private void encodeEveryEventAlike() throws Exception {
    LoggerContext inCode = new LoggerContext();
    JsonLinesLogConfigurator.configureJsonLines(inCode);
    LoggerContext fromXml = new LoggerContext();
    JoranConfigurator joran = new JoranConfigurator();
    joran.setContext(fromXml);
    joran.doConfigure(getClass().getResource("/logback-json-lines.xml"));

    for (LoggerContext context : List.of(inCode, fromXml)) {
      assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.INFO);
      assertThat(context.getLogger("io.netty").getLevel()).isEqualTo(Level.WARN);
      assertThat(context.getLogger("io.grpc.netty").getLevel()).isEqualTo(Level.WARN);
    }
    List<String> codeLines = encodeSamples(inCode);
    assertThat(codeLines).isEqualTo(encodeSamples(fromXml));
    // A property of the logger context is a field of every line, in both.
    inCode.putProperty("host", "h1");
    fromXml.putProperty("host", "h1");
    assertThat(encodeSamples(inCode)).isEqualTo(encodeSamples(fromXml));
    assertThat(encodeSamples(inCode).get(0)).contains("\"host\":\"h1\"");
    assertThat(codeLines.get(0))
        .matches(
            // in UTC, not in the JVM's zone (set to another one above)
            "\\{\"time\":\"2026-11-30T00:53:20\\.123000Z\","
                + "\"msg\":\"CVM started\",\"logger\":\"i\\.c\\.m\\.core\\.cvm\\.LifecycleManager\",\"level\":\"INFO\","
                + "\"(cvm\":\"cvm-1\",\"state\":\"running|state\":\"running\",\"cvm\":\"cvm-1)\"\\}\n");
    assertThat(codeLines.get(1))
        .contains("\"msg\":\"cannot \\\"quote\\\" this\"")
        .contains("\"stack_trace\":\"java.lang.IllegalStateException: boom");
  }

  @Test
  void stepsAsideForAnOperatorsFileOrTheTestsConfiguration() throws Exception {
    try (URLClassLoader bare = new URLClassLoader(new URL[0], null)) {
      assertThat(JsonLinesLogConfigurator.anotherConfigurationAsked(null, bare)).isFalse();
      assertThat(JsonLinesLogConfigurator.anotherConfigurationAsked(" ", bare)).isFalse();
      assertThat(JsonLinesLogConfigurator.anotherConfigurationAsked("/etc/cocos/logback.xml", bare))
          .isTrue();
    }
    // this module's test class path has a logback-test.xml
    assertThat(
            JsonLinesLogConfigurator.anotherConfigurationAsked(null, getClass().getClassLoader()))
        .isTrue();
  }

  /**
   * The same two events (one about a CVM, with MDC fields; one with an exception) encoded by the
   * root's appender.
   */
  private static List<String> encodeSamples(LoggerContext context) {
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    @SuppressWarnings("unchecked")
    Encoder<ILoggingEvent> encoder =
        ((OutputStreamAppender<ILoggingEvent>) root.getAppender("STDOUT")).getEncoder();
    LoggingEvent aboutACvm =
        new LoggingEvent(
            Logger.class.getName(),
            context.getLogger("io.cocos.manager.core.cvm.LifecycleManager"),
            Level.INFO,
            "CVM {}",
            null,
            new Object[] {"started"});
    aboutACvm.setTimeStamp(1_796_000_000_123L);
    aboutACvm.setMDCPropertyMap(Map.of("cvm", "cvm-1", "state", "running"));
    LoggingEvent failure =
        new LoggingEvent(
            Logger.class.getName(),
            context.getLogger("io.cocos.manager.grpc.ManagerDaemon"),
            Level.WARN,
            "cannot \"quote\" this",
            BOOM,
            null);
    failure.setTimeStamp(1_796_000_000_456L);
    failure.setMDCPropertyMap(Map.of());
    LoggingEvent unusual =
        new LoggingEvent(
            Logger.class.getName(),
            context.getLogger("io.cocos.manager.grpc.observability.HttpEndpoint$Routes"),
            Level.ERROR,
            "non-ASCII é ✓ 😀, control \u0001 \u001f, newline\nslash / backslash \\ {} {}",
            NESTED,
            new Object[] {null, 42});
    unusual.setTimeStamp(1_796_000_000_789L);
    unusual.setMDCPropertyMap(Map.of("cvm", "cvm-\"2\"", "empty", ""));
    LoggingEvent bare =
        new LoggingEvent(
            Logger.class.getName(), context.getLogger("Main"), Level.DEBUG, "", null, null);
    bare.setTimeStamp(0);
    bare.setMDCPropertyMap(Map.of());
    List<String> lines = new ArrayList<>();
    for (LoggingEvent event : List.of(aboutACvm, failure, unusual, bare)) {
      lines.add(new String(encoder.encode(event), StandardCharsets.UTF_8));
    }
    return lines;
  }
}
