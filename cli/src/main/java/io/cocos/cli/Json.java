package io.cocos.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;

/**
 * --json output. Responses are printed with protobuf's JsonFormat, i.e. the canonical proto3 JSON
 * mapping (lowerCamelCase names, Timestamps as RFC 3339, 64-bit integers as strings) that grpcurl
 * and every protobuf library read back; fields at their default value are printed too, so a script
 * always finds every key. Layout: Gson's pretty printer, 2-space indent, no HTML escapes.
 */
public final class Json {
  private static final Gson PRETTY =
      new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
  private static final Gson COMPACT = new GsonBuilder().disableHtmlEscaping().create();

  private Json() {}

  public static String print(MessageOrBuilder message) {
    return PRETTY.toJson(tree(message));
  }

  /**
   * One message on one line, for streams (JSON Lines), leaving out fields that do not apply to the
   * form being printed.
   */
  public static String printCompact(MessageOrBuilder message, String... omittedFields) {
    JsonElement tree = tree(message);
    for (String field : omittedFields) {
      tree.getAsJsonObject().remove(field);
    }
    return COMPACT.toJson(tree);
  }

  private static JsonElement tree(MessageOrBuilder message) {
    try {
      // JsonFormat escapes '=', '<', '>', '&' and '\'' for HTML (\u003d); a terminal or jq wants
      // them
      // plain, so the text is re-printed, which also gives every command the same layout.
      return parse(JsonFormat.printer().alwaysPrintFieldsWithNoPresence().print(message));
    } catch (InvalidProtocolBufferException e) {
      throw new CliException(
          ExitCode.FAILURE, "cannot print the answer as JSON: " + e.getMessage());
    }
  }

  /** Parses JSON text; numbers keep their digits (no 64-bit rounding). */
  public static JsonElement parse(String text) throws JsonParseException {
    return JsonParser.parseString(text);
  }

  /** Pretty-prints (2-space indent) a JSON tree. */
  public static String pretty(JsonElement tree) {
    return PRETTY.toJson(tree);
  }
}
