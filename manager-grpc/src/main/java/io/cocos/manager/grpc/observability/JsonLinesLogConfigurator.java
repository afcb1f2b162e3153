package io.cocos.manager.grpc.observability;

import ch.qos.logback.classic.ClassicConstants;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.Logger;

/**
 * The manager's logging, set up in code: JSON lines on stdout, one object a line, in the shape of
 * upstream's slog output (time, level, msg, logger, plus the cvm/state fields of the MDC on every
 * line about a CVM). Found by logback through META-INF/services; configuring in code rather than
 * from a logback.xml spares start-up the XML parser and logback's Joran machinery (about a fifth of
 * the time to SERVING, measured in docs/operations.md, "Start-up and memory of the daemon").
 *
 * <p>It steps aside, and logback's usual search runs, when an operator names a configuration file
 * (-Dlogback.configurationFile) or a logback-test.xml is on the class path (the tests').
 *
 * <p>It carries no {@code @ConfiguratorRank}: it is the only configurator on the class path, so its
 * rank orders nothing, and reading the annotation cost start-up ≈ 5 ms (the JDK makes a proxy class
 * for it).
 */
public final class JsonLinesLogConfigurator extends ContextAwareBase implements Configurator {
  /** Microseconds and the zone offset, as upstream's time field. */
  static final String TIMESTAMP_PATTERN = "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX";

  /** Logger names are shortened to this many characters, as logback abbreviates them. */
  static final int LOGGER_NAME_LENGTH = 36;

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (anotherConfigurationAsked(
        System.getProperty(ClassicConstants.CONFIG_FILE_PROPERTY),
        JsonLinesLogConfigurator.class.getClassLoader())) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    configureJsonLines(context);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /** An operator's configuration file, or the tests' logback-test.xml, wins over this one. */
  static boolean anotherConfigurationAsked(String configurationFileProperty, ClassLoader loader) {
    if (configurationFileProperty != null && !configurationFileProperty.isBlank()) {
      return true;
    }
    return loader != null && loader.getResource(ClassicConstants.TEST_AUTOCONFIG_FILE) != null;
  }

  /** Installs the JSON-lines appender on the root logger of {@code context}. */
  static void configureJsonLines(LoggerContext context) {
    StatusWarningsToStderr.install(context, System.err);
    JsonLinesEncoder encoder = new JsonLinesEncoder();
    encoder.setContext(context);
    encoder.start();

    ConsoleAppender<ILoggingEvent> stdout = new ConsoleAppender<>();
    stdout.setContext(context);
    stdout.setName("STDOUT");
    stdout.setEncoder(encoder);
    stdout.start();

    // Netty and gRPC's transport log at INFO/DEBUG about their internals: warnings only.
    context.getLogger("io.grpc.netty").setLevel(Level.WARN);
    context.getLogger("io.netty").setLevel(Level.WARN);
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    root.addAppender(stdout);
  }
}
