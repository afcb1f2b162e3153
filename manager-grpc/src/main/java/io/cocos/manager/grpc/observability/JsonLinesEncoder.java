package io.cocos.manager.grpc.observability;

import ch.qos.logback.classic.pattern.Abbreviator;
import ch.qos.logback.classic.pattern.ExtendedThrowableProxyConverter;
import ch.qos.logback.classic.pattern.TargetLengthBasedClassNameAbbreviator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * The manager's log line: what logstash-logback-encoder's LogstashEncoder writes with the field
 * names of {@code logback-json-lines.xml} (time, msg, logger, level, then stack_trace, the logger
 * context's properties and the MDC's fields), byte for byte — JsonLinesLogConfiguratorTest holds
 * the two to the same output. Written with jackson-core alone: LogstashEncoder builds a Jackson
 * ObjectMapper, whose set-up (its date format's calendar and locale data) was about a sixth of the
 * main thread's start-up. The manager logs no markers, key-value pairs or structured arguments, the
 * fields LogstashEncoder would add for them.
 */
final class JsonLinesEncoder extends EncoderBase<ILoggingEvent> {
  private static final byte[] LINE_END = {'\n'};

  private final JsonFactory json = new JsonFactory();
  private final ExtendedThrowableProxyConverter stackTrace = new ExtendedThrowableProxyConverter();
  private DateTimeFormatter time;
  private Abbreviator loggerNames;

  @Override
  public void start() {
    // In UTC whatever the host's zone: lines from hosts in different zones sort and compare as
    // they are, and no time-zone database is read at start-up (the host's zone cost ≈ 13 ms).
    time =
        DateTimeFormatter.ofPattern(JsonLinesLogConfigurator.TIMESTAMP_PATTERN)
            .withZone(ZoneOffset.UTC);
    loggerNames =
        new TargetLengthBasedClassNameAbbreviator(JsonLinesLogConfigurator.LOGGER_NAME_LENGTH);
    stackTrace.setContext(getContext());
    stackTrace.start();
    super.start();
  }

  @Override
  public void stop() {
    stackTrace.stop();
    super.stop();
  }

  @Override
  public byte[] headerBytes() {
    return null;
  }

  @Override
  public byte[] footerBytes() {
    return null;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    try (JsonGenerator out = json.createGenerator(line, JsonEncoding.UTF8)) {
      out.writeStartObject();
      writeString(out, "time", time.format(event.getInstant()));
      writeString(out, "msg", event.getFormattedMessage());
      writeString(out, "logger", loggerNames.abbreviate(event.getLoggerName()));
      writeString(out, "level", event.getLevel().toString());
      if (event.getThrowableProxy() != null) {
        writeString(out, "stack_trace", stackTrace.convert(event));
      }
      writeEntries(out, getContext().getCopyOfPropertyMap());
      writeEntries(out, event.getMDCPropertyMap());
      out.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    line.writeBytes(LINE_END);
    return line.toByteArray();
  }

  /** A field without a value is left out, as LogstashEncoder does. */
  private static void writeString(JsonGenerator out, String name, String value) throws IOException {
    if (value != null) {
      out.writeStringField(name, value);
    }
  }

  private static void writeEntries(JsonGenerator out, Map<String, String> entries)
      throws IOException {
    if (entries == null) {
      return;
    }
    for (Map.Entry<String, String> entry : entries.entrySet()) {
      if (entry.getKey() != null) {
        writeString(out, entry.getKey(), entry.getValue());
      }
    }
  }
}
